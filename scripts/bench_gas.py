"""Gas per catalog of ``anchorBatch`` by how many versions of one project a batch carries.

A fresh 32-byte commitment slot per catalog version (22,100 gas) is the floor; a project's entry
word (its heads) is read and written once per project per batch, so batches that carry several
versions of the same project spread that cost. ``run()`` anchors batches of ``BATCH`` declared
catalogs on the in-process chain (gas is deterministic, the same on anvil) with 1, 2, 5 and 10
versions per project and returns ``gas_per_catalog_batched_by_versions`` (gasUsed / catalogs,
21,000 base and calldata included).
"""

from __future__ import annotations

import secrets

import sm_crypto
from chain_client.bootstrap import DEV_MEMBERS, setup_ledger
from chain_client.chain import Chain
from chain_client.ledger import Ledger
from chain_client.types import encode_code

BATCH = 60
MIXES = (1, 2, 5, 10)


def run() -> dict[str, object]:
    chain = Chain.in_process()
    accounts = {name: Chain.new_account() for name in DEV_MEMBERS}
    for account in accounts.values():
        chain.fund(account.address, 10**21)
    deployment = setup_ledger(
        chain,
        {n: a.address for n, a in accounts.items()},
        {n: sm_crypto.PrivateKey.generate().public_key.xy for n in accounts},
        accounts.__getitem__,
    )
    ledger = Ledger(chain, deployment)
    unit, eitb = accounts["unit1"], accounts["eitb"]
    out: dict[str, float] = {}
    for per in MIXES:
        codes = [f"BJ-GAS-{per:02d}{i:03d}" for i in range(BATCH // per)]
        for code in codes:
            ledger.create_project(eitb, code, unit.address, "燃气费测算项目")
        items = [
            (encode_code(codes[i // per]), 0, i % per + 1, secrets.token_bytes(32),
             secrets.token_bytes(32), 100)
            for i in range(BATCH)
        ]  # fmt: skip
        receipt = chain.transact(unit, ledger.catalogs.functions.anchorBatch(items))
        out[str(per)] = round(int(receipt["gasUsed"]) / BATCH)
    return {"gas_per_catalog_batched_by_versions": out, "gas_batch_catalogs": BATCH}


if __name__ == "__main__":
    import json

    print(json.dumps(run(), indent=1))
