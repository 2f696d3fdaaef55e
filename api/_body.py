"""Request bodies read with a size limit (before anything is parsed)."""

from __future__ import annotations

from starlette.requests import Request

from .errors import BodyTooLarge


async def read_limited(request: Request, limit: int) -> bytes:
    """The body, or :class:`BodyTooLarge` as soon as it passes ``limit`` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyTooLarge(int(declared), limit)
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge(size, limit)
        chunks.append(chunk)
    return b"".join(chunks)
