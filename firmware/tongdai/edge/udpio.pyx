# cython: language_level=3
"""Batched UDP I/O for the edge's IPv4 socket: recvmmsg and sendmmsg (Linux).

One system call moves up to BATCH datagrams each way, where the asyncio datagram
transport makes one call and one Python callback per datagram. Optional: without a
compiler `edge.transport` reads and writes the socket one datagram at a time.
"""

from cpython.bytes cimport PyBytes_AS_STRING, PyBytes_FromStringAndSize, PyBytes_GET_SIZE
from libc.errno cimport EINTR, errno
from libc.stdint cimport uint16_t, uint32_t
from libc.stdlib cimport free, malloc
from libc.string cimport memset

cdef extern from "<sys/uio.h>" nogil:
    struct iovec:
        void *iov_base
        size_t iov_len

cdef extern from "<sys/socket.h>" nogil:
    ctypedef unsigned int socklen_t
    struct msghdr:
        void *msg_name
        socklen_t msg_namelen
        iovec *msg_iov
        size_t msg_iovlen
        void *msg_control
        size_t msg_controllen
        int msg_flags
    struct mmsghdr:
        msghdr msg_hdr
        unsigned int msg_len
    int recvmmsg(int fd, mmsghdr *vec, unsigned int vlen, int flags, void *timeout)
    int sendmmsg(int fd, mmsghdr *vec, unsigned int vlen, int flags)
    int MSG_DONTWAIT
    int MSG_TRUNC
    int AF_INET

cdef extern from "<netinet/in.h>" nogil:
    struct in_addr:
        uint32_t s_addr
    struct sockaddr_in:
        unsigned short sin_family
        uint16_t sin_port
        in_addr sin_addr
    uint16_t ntohs(uint16_t)
    uint16_t htons(uint16_t)

cdef extern from "<arpa/inet.h>" nogil:
    const char *inet_ntop(int af, const void *src, char *dst, socklen_t size)
    int inet_pton(int af, const char *src, void *dst)

DEF BATCH = 32
DEF DATAGRAM = 65536  # more than any UDP payload over IPv4


cdef class UdpBatch:
    """recv() and send() on one non-blocking IPv4 UDP socket, BATCH datagrams a call."""

    cdef int fd
    cdef char *buffers
    cdef mmsghdr msgs[BATCH]
    cdef iovec iovs[BATCH]
    cdef sockaddr_in addrs[BATCH]
    # The last address each way, converted: one phone sends several datagrams in a row.
    cdef uint32_t last_ip
    cdef uint16_t last_port
    cdef object last_addr
    cdef object last_host
    cdef in_addr last_host_ip

    def __cinit__(self, int fd):
        self.fd = fd
        self.buffers = <char *>malloc(BATCH * DATAGRAM)
        if self.buffers == NULL:
            raise MemoryError()
        self.last_addr = None
        self.last_host = None

    def __dealloc__(self):
        free(self.buffers)

    def recv(self):
        """The datagrams waiting, up to BATCH: a list of (data, (host, port)); [] if none."""
        cdef int i, n
        cdef char text[16]
        cdef sockaddr_in *sa
        memset(self.msgs, 0, sizeof(self.msgs))
        for i in range(BATCH):
            self.iovs[i].iov_base = self.buffers + i * DATAGRAM
            self.iovs[i].iov_len = DATAGRAM
            self.msgs[i].msg_hdr.msg_iov = &self.iovs[i]
            self.msgs[i].msg_hdr.msg_iovlen = 1
            self.msgs[i].msg_hdr.msg_name = &self.addrs[i]
            self.msgs[i].msg_hdr.msg_namelen = sizeof(sockaddr_in)
        while True:
            n = recvmmsg(self.fd, self.msgs, BATCH, MSG_DONTWAIT, NULL)
            if n >= 0 or errno != EINTR:
                break
        out = []
        if n <= 0:  # nothing waiting (EAGAIN), or an error a datagram socket can ignore
            return out
        for i in range(n):
            if self.msgs[i].msg_hdr.msg_flags & MSG_TRUNC:
                continue
            sa = &self.addrs[i]
            if (
                self.last_addr is None
                or sa.sin_addr.s_addr != self.last_ip
                or sa.sin_port != self.last_port
            ):
                inet_ntop(AF_INET, &sa.sin_addr, text, sizeof(text))
                self.last_addr = (text.decode("ascii"), ntohs(sa.sin_port))
                self.last_ip, self.last_port = sa.sin_addr.s_addr, sa.sin_port
            out.append(
                (PyBytes_FromStringAndSize(<char *>self.iovs[i].iov_base, self.msgs[i].msg_len),
                 self.last_addr)
            )
        return out

    def send(self, list items):
        """Send (data, (host, port)) pairs; returns those not sent (an address that is
        not an IPv4 literal, or the socket refusing one: the caller decides)."""
        cdef Py_ssize_t start = 0, total = len(items), i, count, done
        cdef Py_ssize_t index[BATCH]
        cdef long port
        cdef int sent
        cdef bytes data
        failed = []
        while start < total:
            count = 0
            i = start
            while i < total and count < BATCH:
                data, addr = items[i]
                host, port = addr[0], addr[1]
                if host is not self.last_host:
                    self.last_host = None
                    if inet_pton(AF_INET, host.encode("ascii", "replace"), &self.last_host_ip) == 1:
                        self.last_host = host
                if self.last_host is None or data is None or not 0 < port < 65536:
                    failed.append(items[i])
                    i += 1
                    continue
                memset(&self.addrs[count], 0, sizeof(sockaddr_in))
                self.addrs[count].sin_family = AF_INET
                self.addrs[count].sin_addr = self.last_host_ip
                self.addrs[count].sin_port = htons(<uint16_t>port)
                self.iovs[count].iov_base = PyBytes_AS_STRING(data)
                self.iovs[count].iov_len = PyBytes_GET_SIZE(data)
                memset(&self.msgs[count], 0, sizeof(mmsghdr))
                self.msgs[count].msg_hdr.msg_iov = &self.iovs[count]
                self.msgs[count].msg_hdr.msg_iovlen = 1
                self.msgs[count].msg_hdr.msg_name = &self.addrs[count]
                self.msgs[count].msg_hdr.msg_namelen = sizeof(sockaddr_in)
                index[count] = i
                count += 1
                i += 1
            done = 0
            while done < count:
                sent = sendmmsg(self.fd, &self.msgs[done], count - done, MSG_DONTWAIT)
                if sent < 0:
                    if errno == EINTR:
                        continue
                    failed.append(items[index[done]])  # this one cannot go now; the rest may
                    sent = 1
                done += sent
            start = i
        return failed
