"""Art. 31 through the service and the CLI: the demo's operating project has an EITB evaluation
report; its rectification deadline (computed on chain) is listed by ``/v1/deadlines`` until the
unit submits its plan with ``mulu project rectify``; the audit of the project stays clean."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.clirun import js, mulu

from .conftest import Served

pytestmark = pytest.mark.anvil
CODE = "BJ-2026-0106"  # the demo's project in operation, unit2's


def _rectification(served: Served) -> list[dict]:
    served.wait_indexed()
    with served.client() as c:
        items = c.get("/v1/deadlines", params={"within_days": 3650}).json()["items"]
    return [i for i in items if i["project_code"] == CODE and i["kind"] == "rectification"]


def test_rectification_deadline_listed_until_the_plan(served: Served, tmp_path: Path) -> None:
    status = js(served.home, "project", "status", CODE)
    assert status["state"] == "OPERATION"
    listed = _rectification(served)
    assert len(listed) == 1
    item = listed[0]
    assert item["kind_zh"] == "整改方案（60个工作日）" and not item["overdue"]
    # the deadline the service lists is the one the contract computed: the last second of a
    # Beijing working day, 60 working days on
    assert item["due_at"] % 86_400 == 86_400 - 8 * 3600 - 1
    with served.client() as c:
        page = c.get(f"/v1/projects/{CODE}").json()
    assert page["deadlines"]["rectificationDueAt"] == item["due_at"]

    plan = tmp_path / "plan.txt"
    plan.write_text("整改方案：数据共享时效提升至每日更新。\n", encoding="utf-8")
    # the wrong unit is refused by name; nothing changes
    wrong = mulu(
        served.home, "--as", "unit1", "project", "rectify", CODE, "--plan", str(plan), check=1
    )
    assert "ProjectNotUnit" in wrong.stderr
    done = js(served.home, "--as", "unit2", "project", "rectify", CODE, "--plan", str(plan))
    assert done["tx_hash"].startswith("0x")
    again = mulu(
        served.home, "--as", "unit2", "project", "rectify", CODE, "--plan", str(plan), check=1
    )
    assert "ProjectRectificationAlreadySubmitted" in again.stderr
    assert _rectification(served) == []
    with served.client() as c:
        assert c.get(f"/v1/projects/{CODE}").json()["deadlines"]["rectificationDueAt"] is None

    proc = mulu(served.home, "--json", "audit", CODE, check=None)
    audit = json.loads(proc.stdout)
    (report,) = audit["reports"]
    assert [f for f in report["findings"] if f["check"] in ("time", "order", "role")] == []
    assert report["checked"]["time"] > 0
