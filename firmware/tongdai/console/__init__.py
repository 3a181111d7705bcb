"""The web console and REST API (FastAPI), served by uvicorn in the service's loop."""
