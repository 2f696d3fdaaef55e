"""The baseline for the API benchmark: a bare FastAPI endpoint, served exactly like the ledger API.

``async``, so it pays no thread hop: the cheapest endpoint FastAPI serves (the ledger's project
page answers from memory on the event loop too, so the comparison is like for like)."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/bare")
async def bare() -> dict[str, bool]:
    return {"ok": True}
