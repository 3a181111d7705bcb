"""The console's pages: one module per area, each with an APIRouter named `router`."""
