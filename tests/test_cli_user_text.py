"""User text prints as written, in every command and format: never Rich markup, never an emoji code.

A blueprint's descriptions, a suppression's reason, a folder's or a file's name, a pod's name and
a `--skip` value are the user's: `[/x]` in one used to raise MarkupError, `[bold]x[/]` was
silently restyled, and `:100:` in `estate.yaml:100:9` printed as an emoji.
"""

from __future__ import annotations

import json
import shutil
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crossfence.checks import REGISTRY
from crossfence.cli import app

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "eu-sovereign"
DESCRIPTION = "an estate [/x] with [bold]markup[/] and :100: codes"
RULE = "no [/x] reach [bold]db[/] :smile:"
REASON = "accepted [/x] by [red]them[/] :100:"

runner = CliRunner()


def _run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def _flat(text: str) -> str:
    """Rich wraps long lines at 120 columns: compare with the wrapping undone."""
    return " ".join(text.split())


def _replace_folded(file: Path, key: str, line: str) -> None:
    """Replace a folded scalar (`key` and its more-indented lines) with one line."""
    lines = file.read_text(encoding="utf-8").splitlines()
    at = next(i for i, text in enumerate(lines) if text.strip() == key)
    indent = len(lines[at]) - len(lines[at].lstrip())
    end = at + 1
    while end < len(lines) and len(lines[end]) - len(lines[end].lstrip()) > indent:
        end += 1
    lines[at:end] = [" " * indent + line]
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.fixture(scope="module")
def estate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reference example in a folder whose path holds markup and an emoji code, with markup
    in its description, a Scaleway ACL rule's description and its suppression's reason."""
    folder = tmp_path_factory.mktemp("estate") / "a[" / "x] [bold]b[" / "b] :100:"
    shutil.copytree(EXAMPLE, folder, ignore=shutil.ignore_patterns("variants"))
    _replace_folded(folder / "estate.yaml", "description: >", f'description: "{DESCRIPTION}"')
    network = folder / "scaleway-network.yaml"
    network.write_text(
        network.read_text(encoding="utf-8").replace(
            "nothing else reaches the database, from any network", f'"{RULE}"'
        ),
        encoding="utf-8",
    )
    _replace_folded(folder / "intents.yaml", "reason: >", f'reason: "{REASON}"')
    assert _run("validate", "-q", folder).exit_code == 0
    return folder


def _literal(result: Any, *texts: str) -> None:
    """The run ended as a run does (not with an exception), and printed each text as written."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    output = _flat(result.stdout + result.stderr)
    for text in texts:
        assert _flat(text) in output, f"{text!r} not printed as written"
    assert "💯" not in output and "😄" not in output


def test_validate_prints_the_description_and_the_path_as_written(estate: Path) -> None:
    result = _run("validate", estate)
    assert result.exit_code == 0
    _literal(result, DESCRIPTION, f"valid: {estate}")
    quiet = _run("validate", "-q", estate)
    _literal(quiet, f"valid: {estate}")


def test_reach_prints_the_rule_description_and_the_files(estate: Path) -> None:
    result = _run("reach", estate, "--from", "frontend", "--to", "customer-db", "-p", "tcp/5432")
    assert result.exit_code == 1
    _literal(result, f'rule 3 ("{RULE}")', f"{estate / 'scaleway-network.yaml'}:")
    data = json.loads(
        _run(
            "reach",
            estate,
            "--from",
            "frontend",
            "--to",
            "customer-db",
            "-p",
            "tcp/5432",
            "-f",
            "json",
        ).stdout
    )
    assert any(RULE in step["detail"] for hop in data["hops"] for step in hop["steps"])


@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "junit", "markdown"])
def test_check_prints_the_reason_in_every_format(estate: Path, fmt: str) -> None:
    result = _run("check", estate, "--format", fmt)
    assert result.exit_code == 0, result.output
    if fmt == "text":
        _literal(result, REASON, f"{estate / 'workloads.yaml'}:")
    elif fmt == "json":
        [suppressed] = json.loads(result.stdout)["suppressed"]
        assert suppressed["suppressed"]["reason"] == REASON
    elif fmt == "sarif":
        [finding] = json.loads(result.stdout)["runs"][0]["results"]
        assert finding["suppressions"][0]["justification"] == REASON
    elif fmt == "junit":
        assert REASON in ET.tostring(ET.fromstring(result.stdout), encoding="unicode")
    else:
        # Markdown: punctuation escaped, so the reason renders as written, never as a link
        assert r"accepted \[/x\] by \[red\]them\[/\] :100:" in result.stdout


def test_matrix_and_diff_name_the_folder_as_written(estate: Path) -> None:
    result = _run("diff", estate, estate)
    assert result.exit_code == 0
    _literal(result, f"{estate} → {estate}")
    assert _run("matrix", estate, "-f", "csv").exit_code == 0
    assert json.loads(_run("matrix", estate, "-f", "json").stdout)["endpoints"]


def test_broken_blueprint_in_such_a_folder_is_located_as_written(tmp_path: Path) -> None:
    """A problem's location `file:100:9` prints as written, not with 💯 for `:100:`."""
    folder = tmp_path / "x[" / "y]"
    folder.mkdir(parents=True)
    blueprint = folder / "[bold]bp[" / "b].yaml"
    blueprint.parent.mkdir()
    blueprint.write_text("\n" * 99 + "clouds:\n  - {name: gcp, provider: gpc}\n", encoding="utf-8")
    result = _run("validate", blueprint)
    assert result.exit_code == 2
    _literal(result, f"error: {blueprint}:101:")


def test_a_skip_value_with_markup_is_a_located_usage_error(estate: Path) -> None:
    for value in ("[/x]", "[bold]x[/]"):
        result = _run("check", estate, "--skip", value)
        assert result.exit_code == 2
        _literal(result, f"--skip '{value}' is not a check id or family")


MANIFESTS = """\
apiVersion: v1
kind: Pod
metadata: {name: "web[/x]", namespace: "shop[bold]", labels: {app: web}}
status: {podIP: 10.0.0.1}
---
apiVersion: v1
kind: Pod
metadata: {name: "db:100:", namespace: shop, labels: {app: db}}
status: {podIP: 10.0.0.2}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata: {name: "all[/x]", namespace: shop}
spec:
  rules:
  - {}
"""


@pytest.fixture
def cluster(tmp_path: Path) -> Path:
    folder = tmp_path / "c[" / "x] :100:"
    folder.mkdir(parents=True)
    (folder / "[bold]pods[" / "b].yaml").parent.mkdir()
    (folder / "[bold]pods[" / "b].yaml").write_text(MANIFESTS, encoding="utf-8")
    return folder


def test_manifests_with_markup_in_pod_names_every_command(cluster: Path) -> None:
    _literal(_run("validate", cluster), "shop[bold] (not declared)", f"valid: {cluster}")
    check = _run("check", cluster)
    assert check.exit_code == 1
    _literal(check, "AuthorizationPolicy shop/all[/x]", "shop[bold]/web[/x]", "shop/db:100:")
    matrix = _run("matrix", cluster)
    _literal(matrix, "shop[bold]/web[/x]", "shop/db:100:")
    reach = _run(
        "reach", cluster, "--from", "shop[bold]/web[/x]", "--to", "shop/db:100:", "-p", "tcp/80"
    )
    assert reach.exit_code == 0
    _literal(reach, "ALLOWED shop[bold]/web[/x] → shop/db:100: tcp/80")
    _literal(_run("diff", cluster, cluster), f"{cluster} → {cluster}")
    for fmt in ("json", "sarif", "junit", "markdown"):
        assert _run("check", cluster, "-f", fmt).exit_code == 1


def test_init_schema_and_checks_name_paths_as_written(tmp_path: Path) -> None:
    folder = tmp_path / "e[" / "x] [bold]b[" / "b] :100:"
    result = _run("init", folder)
    assert result.exit_code == 0
    _literal(result, f"wrote the eu-sovereign reference example to {folder}")
    target = folder / "[red]schema[" / "x].json"
    target.parent.mkdir()
    result = _run("schema", "-o", target)
    assert result.exit_code == 0 and json.loads(target.read_text(encoding="utf-8"))
    _literal(result, f"wrote {target}")
    assert _run("checks", "-o", folder / "[b]x[b].txt").exit_code == 0
    listing = (folder / "[b]x[b].txt").read_text(encoding="utf-8")
    assert listing.startswith(f"{len(REGISTRY)} checks")
