"""The REST API under /api/v1: one module per area, each with an APIRouter named `router`.

Scripts send `Authorization: Bearer <token>` (tongdai token create); a browser's session
works too (with its CSRF token on changes). The roles are the pages' roles.
"""
