"""The media engine: a pjsua2 child process driven over a control socket.

`protocol` is the wire format (sans-I/O), `engine` the child process,
`supervisor` the main process's side that starts, watches and restarts it,
`endpoint` the one place pjsua2 is configured (the engine and test phones share it).
"""
