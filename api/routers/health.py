"""``GET /health``: chain reachable, head block, index lag."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from mulu.errors import ChainUnavailable

from ..deps import ServiceDep
from ..schemas import ChainHealth, HealthPublic, IndexHealth

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=HealthPublic,
    responses={503: {"model": HealthPublic, "description": "The chain is unreachable"}},
)
def health(service: ServiceDep) -> JSONResponse:
    """Whether the chain answers, its head block, and how far the index lags behind it."""
    chain = ChainHealth(reachable=False)
    try:
        ledger = service.link.ledger()
        chain = ChainHealth(
            reachable=True, chain_id=ledger.chain.chain_id, head_block=ledger.chain.block_number()
        )
        service.link.succeeded()
    except ChainUnavailable as exc:
        service.link.failed(str(exc))
        chain.error = str(exc)
    cp = service.index.checkpoint()
    status = service.status()
    index = IndexHealth(
        block_number=cp.block_number if cp else None,
        block_hash=cp.block_hash if cp else None,
        lag=(chain.head_block - cp.block_number) if cp and chain.head_block is not None else None,
        confirmations=service.settings.confirmations,
        running=status["running"],
        last_error=status["last_error"],
    )
    body = HealthPublic(status="ok" if chain.reachable else "unavailable", chain=chain, index=index)
    headers = None if chain.reachable else {"Retry-After": str(service.settings.retry_after)}
    return JSONResponse(
        body.model_dump(), status_code=200 if chain.reachable else 503, headers=headers
    )
