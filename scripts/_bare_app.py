"""The baseline for the API benchmark: a bare FastAPI endpoint, served exactly like the ledger API."""

from fastapi import FastAPI

app = FastAPI()


@app.get("/bare")
def bare() -> dict[str, bool]:
    return {"ok": True}
