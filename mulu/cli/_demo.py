"""The demo scenario: eight projects over every state, with catalogs and documents.

Each step is guarded by what the chain already says about the project, so a re-run (or a run
after a crash) only does what is missing. Time moves forward once, right after the first
project started construction and before the others exist, so that project is overdue with its
quarterly progress report while the others' clocks are fresh.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import catalog
from chain_client import workdays
from chain_client.bootstrap import DEV_MEMBERS
from chain_client.errors import ContractError
from chain_client.steps import Steps, acceptance_diff, find_document
from chain_client.types import CatalogKind, State, Step

from ._session import Session, store_document

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
DAY = 86_400


@dataclass(frozen=True)
class DemoProject:
    code: str
    name: str
    unit: str
    target: str  # the last step to run
    resources: int  # resources of the declared catalog (the acceptance one has all 29)


#: (in order: the first one is made overdue before the others are created)
PROJECTS = (
    DemoProject("BJ-2026-0101", "北京市智慧教育数据平台建设项目", "unit1", "progress", 28),
    DemoProject(
        "BJ-2026-0102", "北京市国土空间规划“一张图”升级项目", "unit1", "anchor_declared", 20
    ),
    DemoProject("BJ-2026-0103", "北京市全民健康信息平台二期项目", "unit2", "approve_crypto", 24),
    DemoProject("BJ-2026-0104", "北京市政务服务“一网通办”数据支撑项目", "unit2", "fund", 26),
    DemoProject("BJ-2026-0105", "北京市交通运行监测调度中心升级项目", "unit1", "confirm_steps", 28),
    DemoProject("BJ-2026-0106", "北京市生态环境监测数据共享项目", "unit2", "evaluate", 27),
    DemoProject("BJ-2026-0107", "北京市基层治理数字化平台项目", "unit1", "accept", 25),
    DemoProject("BJ-2026-0108", "北京市历史档案数字化试点项目", "unit2", "terminate", 22),
)

STEPS = (
    "create", "anchor_declared", "start_review", "approve_crypto", "pass_review", "fund",
    "start_construction", "progress", "anchor_acceptance", "confirm_steps", "accept",
    "apply_commission", "commission", "evaluate",
)  # fmt: skip

OVERDUE_DAYS = 200  # past two 90-day windows with one report: one quarter missed


def _catalog(p: DemoProject, kind: CatalogKind) -> catalog.Catalog:
    src = "declared.json" if kind is CatalogKind.DECLARED else "acceptance.json"
    doc: dict[str, Any] = json.loads((EXAMPLES / src).read_text(encoding="utf-8"))
    doc = copy.deepcopy(doc)
    doc["project_code"] = p.code
    doc["project_name"] = p.name
    doc["unit"] = DEV_MEMBERS[p.unit][0]
    doc["version"] = 1
    if kind is CatalogKind.DECLARED:
        doc["resources"] = doc["resources"][: p.resources]
    else:  # compiled against the project's declared catalog (art. 21), not the example's
        doc["declared_digest"] = _catalog(p, CatalogKind.DECLARED).digest.hex()
    return catalog.catalog_from_document(doc)


class Demo:
    def __init__(self, session: Session, progress: Callable[[str], None]) -> None:
        self.s = session
        self.led = session.ledger
        self.progress = progress
        self.notes: dict[str, str] = {}

    def signer(self, name: str) -> Any:
        return self.s.unlock(name).account

    def document(self, text: str, suffix: str = ".txt") -> bytes:
        digest, _ = store_document(self.s.home, text.encode("utf-8"), suffix)
        return digest

    def anchor(self, p: DemoProject, kind: CatalogKind) -> None:
        if int(self.led.latest_catalog(p.code, kind)["version"]) >= 1:
            return
        cat = _catalog(p, kind)
        store_document(self.s.home, cat.canonical, ".json")
        self.led.anchor(
            self.signer(p.unit), p.code, kind, 1, cat.digest, cat.merkle_root, cat.resource_count
        )

    def step(self, p: DemoProject, step: str) -> None:
        led, code = self.led, p.code
        info = led.project(code) if step != "create" else None
        state = info["state"] if info else None
        eitb, unit = "eitb", p.unit
        match step:
            case "create":
                if not led.exists(code):
                    unit_addr = self.s.identities.get(unit).address
                    led.create_project(self.signer(eitb), code, unit_addr, p.name)
            case "anchor_declared":
                if state in (State.RESERVE, State.UNDER_REVIEW):
                    self.anchor(p, CatalogKind.DECLARED)
            case "start_review":
                if state is State.RESERVE:
                    led.start_review(self.signer(eitb), code)
            case "approve_crypto":
                if state is State.UNDER_REVIEW and not info["cryptoApprovedAt"]:  # type: ignore[index]
                    led.approve_crypto(self.signer("crypto"), code)
            case "pass_review":
                if state is State.UNDER_REVIEW and not info["opinionPassedAt"]:  # type: ignore[index]
                    opinion = self.document(f"{p.name}（{code}）技术评审意见：同意通过。\n")
                    led.pass_review(self.signer(eitb), code, opinion)
            case "fund":
                if state is State.UNDER_REVIEW:
                    led.fund(self.signer("drc"), code, 540)
            case "start_construction":
                if state is State.APPROVED:
                    led.start_construction(self.signer(unit), code)
            case "progress":
                if state is State.UNDER_CONSTRUCTION and not info["progressReports"]:  # type: ignore[index]
                    report = self.document(f"{p.name}（{code}）第一季度建设进度报告。\n")
                    led.report_progress(self.signer(unit), code, report)
            case "anchor_acceptance":
                if state is State.UNDER_CONSTRUCTION:
                    self.anchor(p, CatalogKind.ACCEPTANCE)
            case "confirm_steps":
                if state is State.UNDER_CONSTRUCTION and not info["acceptedAt"]:  # type: ignore[index]
                    # the project blocked at the gate gets 入云 and 对接 only
                    only = (Step.CLOUD, Step.INTERFACE) if p.target == "confirm_steps" else None
                    self.confirm_steps(p, only)
            case "accept":
                if state is State.UNDER_CONSTRUCTION and not info["acceptedAt"]:  # type: ignore[index]
                    self.accept(p)
            case "apply_commission":
                if info and info["acceptedAt"] and not info["commissionAppliedAt"]:
                    led.apply_commission(self.signer(unit), code)
            case "commission":
                if state is State.UNDER_CONSTRUCTION and info and info["commissionAppliedAt"]:
                    led.commission(self.signer(eitb), code)
            case "evaluate":
                if state is State.OPERATION and not led.evaluation(code)["reportedAt"]:
                    self.record_calendar()
                    report = self.document(
                        f"{p.name}（{code}）绩效评价报告：需整改数据共享时效。\n"
                    )
                    led.record_evaluation_report(self.signer(eitb), code, report)
            case _:
                raise ValueError(step)

    def record_calendar(self) -> None:
        """The working-day calendar on chain for the next 200 days (provisional, Monday-Friday,
        for years whose holiday arrangement is not published yet)."""
        today = workdays.beijing_day(self.s.chain.timestamp())
        for w in range(workdays.word_index(today), workdays.word_index(today + 200) + 1):
            if not self.led.work_calendar(w):
                bits = workdays.calendar_word(w, provisional=True)
                self.led.set_work_calendar(self.signer("eitb"), w, bits)

    def confirm_steps(self, p: DemoProject, only: tuple[Step, ...] | None = None) -> None:
        """The five steps for every resource still missing one (idempotent)."""
        steps = Steps(self.led)
        anchor = steps.acceptance_anchor(p.code)
        doc = find_document(
            self.s.home / "documents", bytes(anchor["digest"]), "acceptance catalog"
        )
        version, count = doc.version, doc.resource_count
        for step in only or (Step.CLOUD, Step.UPDATE, Step.INTERFACE, Step.OWNERSHIP):
            missing = steps.missing(p.code, version, step, count)
            if not missing:
                continue
            if step is Step.OWNERSHIP:
                key = self.s.unlock(p.unit).sm2_key
                conf = steps.sign_ownership(key, doc, [doc.codes[i] for i in missing])
                steps.submit_ownership(self.signer(p.unit), conf)
            elif step is Step.UPDATE:
                now = self.s.chain.timestamp()
                steps.confirm_updates(
                    self.signer("platform"), p.code, version, missing, [now] * len(missing)
                )
            else:
                steps.confirm(self.signer("platform"), p.code, version, step, missing)

    def accept(self, p: DemoProject) -> None:
        """Acceptance with the declared → acceptance ratio (art. 16): a change up to 15% is filed
        (备案) by the unit first, a larger one approved by EITB first; no change needs neither."""
        diff = acceptance_diff(self.led, self.s.home / "documents", p.code)
        store_document(self.s.home, diff.canonical, ".diff.json")
        ratio = min(diff.ratio_bp, 10_000)
        info = self.led.project(p.code)
        approved, filed = int(info["lastApprovedChangeBp"]), int(info["lastFiledChangeBp"])
        if ratio > 1500 and approved < ratio:
            self.led.approve_change(self.signer("eitb"), p.code, ratio, diff.digest)
        elif 0 < ratio <= 1500 and max(filed, approved) < ratio:
            self.led.file_change(self.signer(p.unit), p.code, ratio, diff.digest)
        try:
            self.led.accept(self.signer(p.unit), p.code, ratio_bp=ratio, diff_digest=diff.digest)
        except ContractError as exc:
            self.notes[p.code] = f"acceptance blocked: {exc}"

    def run(self) -> dict[str, Any]:
        for p in PROJECTS:
            self.progress(f"{p.code} {p.name}")
            if p.target == "terminate":
                for step in STEPS[: STEPS.index("approve_crypto") + 1]:
                    self.step(p, step)
                if self.led.state(p.code) is not State.TERMINATED:
                    self.led.terminate(self.signer("eitb"), p.code, "项目需求已由其他项目覆盖")
            else:
                for step in STEPS[: STEPS.index(p.target) + 1]:
                    self.step(p, step)
            if p is PROJECTS[0] and not self.led.progress_status(p.code)["overdue"]:
                self.progress(f"advancing block time {OVERDUE_DAYS} days (once)")
                self.s.chain.advance_time(OVERDUE_DAYS * DAY)
        gated = "BJ-2026-0105"
        self.notes.setdefault(
            gated, "acceptance catalog anchored; acceptance waits for the five steps (gates)"
        )
        return {
            "projects": [
                {
                    "code": p.code,
                    "name": p.name,
                    "state": self.led.state(p.code).name,
                    "state_zh": self.led.state(p.code).zh,
                    "note": self.notes.get(p.code),
                }
                for p in PROJECTS
            ],
            "overdue": PROJECTS[0].code,
            "blocked_at_gate": gated,
        }


def seed_demo(session: Session, progress: Callable[[str], None]) -> dict[str, Any]:
    """Seed the demo scenario on the session's (bootstrapped) local chain; idempotent."""
    return Demo(session, progress).run()
