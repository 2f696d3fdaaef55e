"""Members with their roles and SM2 key history."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import select

from ..deps import AsOfDep, DbDep
from ..index import KeyRow, MemberRow
from ..problems import PROBLEM_RESPONSES
from ..schemas import KeyPublic, MemberList, MemberPublic

router = APIRouter(prefix="/v1/members", tags=["members"], responses=PROBLEM_RESPONSES)


@router.get("", response_model=MemberList)
def list_members(db: DbDep, as_of: AsOfDep) -> MemberList:
    """Every member ever admitted, with roles and every SM2 key and its validity (blocks)."""
    keys: dict[str, list[KeyPublic]] = {}
    for k in db.scalars(select(KeyRow).order_by(KeyRow.account, KeyRow.key_index)):
        keys.setdefault(k.account, []).append(
            KeyPublic(
                key_index=k.key_index,
                public_key=k.public_key,
                valid_from_block=k.valid_from_block,
                valid_until_block=k.valid_until_block,
                tx_hash=k.tx_hash,
            )
        )
    members = [
        MemberPublic(
            account=m.account,
            name=m.name,
            active=m.active,
            roles=list(m.roles),
            admitted_block=m.admitted_block,
            revoked_block=m.revoked_block,
            keys=keys.get(m.account, []),
        )
        for m in db.scalars(select(MemberRow).order_by(MemberRow.admitted_block, MemberRow.account))
    ]
    return MemberList(as_of=as_of, members=members)
