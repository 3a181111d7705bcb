"""How the API reports a store's validation error: 422 naming the field."""

from __future__ import annotations

from fastapi import HTTPException


def unprocessable(error: ValueError) -> HTTPException:
    field, sep, message = str(error).partition(": ")
    if not sep or " " in field:
        field, message = "", str(error)
    return HTTPException(422, {"field": field, "message": message})
