"""The service's settings: one pydantic-settings class, environment prefix ``MULU_``.

Everything has a default derived from ``MULU_HOME``; no secret is ever configured here (the
service holds no keys). Tests build a :class:`Settings` directly and pass it to ``create_app``.
"""

from __future__ import annotations

import os
from functools import lru_cache
from pathlib import Path

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

__all__ = ["Settings", "get_settings"]


def _default_home() -> Path:
    return Path(os.environ.get("MULU_HOME") or Path.home() / ".mulu").expanduser()


class Settings(BaseSettings):
    """``MULU_HOME``, ``MULU_RPC_URL``, ``MULU_DATABASE_URL``, ... (see each field)."""

    model_config = SettingsConfigDict(env_prefix="MULU_", extra="ignore")

    home: Path = Field(default_factory=_default_home)
    #: JSON-RPC endpoint; default: the local node of ``home``
    rpc_url: str | None = None
    #: SQLAlchemy URL of the index; default ``sqlite:///$MULU_HOME/index.db``
    database_url: str | None = None
    #: the document store; default ``$MULU_HOME/documents``
    documents_dir: Path | None = None
    #: ``deployment.json``; default ``$MULU_HOME/deployment.json``
    deployment_path: Path | None = None
    #: blocks behind the head the index stays (0 on the local node: blocks are final)
    confirmations: int = Field(default=0, ge=0, le=1000)
    #: seconds between index polls
    poll_interval: float = Field(default=1.0, gt=0, le=60)
    #: blocks per index batch (one DB transaction each)
    batch_blocks: int = Field(default=2000, ge=1, le=50_000)
    #: how far back a reorg is looked for before the index is rebuilt from scratch
    reorg_depth: int = Field(default=128, ge=1)
    #: largest request body accepted, bytes
    max_body_bytes: int = Field(default=4 * 1024 * 1024, ge=1024)
    #: ``Retry-After`` seconds while the chain is unreachable
    retry_after: int = Field(default=5, ge=1)
    #: run the indexer thread inside the app (``mulu serve`` and tests do)
    run_indexer: bool = True

    @property
    def db_url(self) -> str:
        return self.database_url or f"sqlite:///{self.home / 'index.db'}"

    @property
    def documents(self) -> Path:
        return self.documents_dir or self.home / "documents"

    @property
    def deployment_file(self) -> Path:
        return self.deployment_path or self.home / "deployment.json"


@lru_cache
def get_settings() -> Settings:
    """The settings from the environment, read once (tests override the dependency)."""
    return Settings()
