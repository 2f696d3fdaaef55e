"""api: the mulu service — index, document store, HTTP API (FastAPI) and the audit.

``create_app(settings)`` builds the app; ``Index``/``Indexer`` follow the ledger into a database;
``DocumentStore`` keeps documents by SM3 digest; ``audit_project`` verifies one project from the
chain and the documents alone.
"""

from .app import create_app
from .audit import AuditReport, Finding, audit_project
from .deadlines import working_days_after
from .index import Index, Indexer, IndexerThread
from .settings import Settings, get_settings
from .store import DocumentStore

__all__ = [
    "AuditReport",
    "DocumentStore",
    "Finding",
    "Index",
    "Indexer",
    "IndexerThread",
    "Settings",
    "audit_project",
    "create_app",
    "get_settings",
    "working_days_after",
]
