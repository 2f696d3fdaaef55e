"""Text the CLI prints (paths, resource names, error messages, audit findings) is printed as
given: a "[/]" or "[bold]" in it is neither styling nor an error. Before, rich read every
printed string as markup: a closing tag with nothing open raised ``MarkupError`` (a traceback,
exit 1) and an opening one restyled or swallowed the text."""

from __future__ import annotations

import json
from pathlib import Path

from tests.clirun import ROOT, mulu

DECLARED = ROOT / "examples" / "declared.json"
MARKUP = "新[/]资源[bold]x[/bold]"


def test_an_error_naming_a_path_with_brackets(tmp_path: Path) -> None:
    missing = tmp_path / "[/]目录.json"
    proc = mulu(tmp_path, "catalog", "hash", str(missing), check=2)
    assert "Traceback" not in proc.stderr and "MarkupError" not in proc.stderr, proc.stderr
    assert "CatalogInvalid" in proc.stderr and str(missing) in proc.stderr, proc.stderr


def test_resource_names_with_brackets_in_a_diff(tmp_path: Path) -> None:
    doc = json.loads(DECLARED.read_text(encoding="utf-8"))
    first = doc["resources"][0]
    added = dict(first, code=first["classification"]["code"] + "/999999", name=MARKUP)
    changed = json.loads(json.dumps(doc))
    changed["version"] = 2
    changed["resources"].append(added)
    changed["resources"][1]["name"] = "改[/red]名"
    new = tmp_path / "new.json"
    new.write_text(json.dumps(changed, ensure_ascii=False), encoding="utf-8")
    proc = mulu(tmp_path, "catalog", "diff", str(DECLARED), str(new))
    assert f"+ {added['code']} {MARKUP}" in proc.stdout, proc.stdout
    assert "→ 改[/red]名" in proc.stdout, proc.stdout
