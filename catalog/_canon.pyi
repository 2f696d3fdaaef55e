# catalog/_canon.c (optional C extension; see setup.py)
from typing import Any

MAX_DEPTH: int
SCAN_TABLES: dict[str, Any]

def canonical(data: bytes, /) -> bytes | None: ...
def scan(canonical: bytes, /) -> list[bytes] | None: ...
