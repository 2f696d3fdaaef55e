# catalog/_canon.c (optional C extension; see setup.py)
MAX_DEPTH: int

def canonical(data: bytes, /) -> bytes | None: ...
