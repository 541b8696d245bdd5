"""A cluster's `manifests` folder is read whole, or the blueprint line that names it is an error: never a silent "allowed".

On the reference example, frontend → vault tcp/8200 is denied by gke-prod's egress
NetworkPolicies (`manifests/gke-prod/web.yaml`). Those policies in a linked folder, or in a folder
that cannot be listed, used to be dropped without a word, and the flow became allowed; a missing
folder gave a ManifestError that named no blueprint line.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from crossfence import build_topology, load
from crossfence.engine.layers import layered_reach
from crossfence.errors import BlueprintError, ManifestError

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "eu-sovereign"
FLOW = ("--from", "frontend", "--to", "vault", "--port", "tcp/8200")
ENTRY = "clusters.yaml:21:17"  # `manifests: [manifests/gke-prod]` of cluster gke-prod


@pytest.fixture
def estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example (without its variants), the working directory its parent."""
    shutil.copytree(EXAMPLE, tmp_path / "estate", ignore=shutil.ignore_patterns("variants"))
    monkeypatch.chdir(tmp_path)
    return Path("estate")


def _frontend_to_vault(estate: Path) -> bool:
    """Whether `reach` allows the flow, every layer asked (the network, then NetworkPolicies)."""
    topology = build_topology(load(estate))
    return layered_reach(topology, "frontend", "vault", "tcp/8200").allowed


def test_the_copy_denies_frontend_to_vault(estate: Path) -> None:
    assert not _frontend_to_vault(estate)


def test_policies_in_a_linked_folder_still_deny(estate: Path) -> None:
    shared = estate.parent / "shared-policies"
    shared.mkdir()
    (estate / "manifests" / "gke-prod" / "web.yaml").rename(shared / "web.yaml")
    (estate / "manifests" / "gke-prod" / "policies").symlink_to(shared.resolve())
    assert not _frontend_to_vault(estate)


def test_a_folder_that_cannot_be_listed_is_an_error_at_its_blueprint_line(
    estate: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (estate / "manifests" / "gke-prod" / "policies").mkdir()
    (estate / "manifests" / "gke-prod" / "web.yaml").rename(
        estate / "manifests" / "gke-prod" / "policies" / "web.yaml"
    )
    scandir = os.scandir

    def denied(path: object) -> object:
        if str(path).endswith("policies"):
            raise PermissionError(13, "Permission denied")
        return scandir(path)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "scandir", denied)
    with pytest.raises(BlueprintError) as raised:
        _frontend_to_vault(estate)
    (problem,) = raised.value.errors
    assert str(problem) == (
        f"estate/{ENTRY}: clusters[0].manifests[0]: 'manifests/gke-prod' cannot be read whole: "
        "estate/manifests/gke-prod/policies: cannot list the folder: Permission denied "
        "(expected a readable folder: its files would be left out)"
    )


def test_a_missing_folder_is_an_error_at_its_blueprint_line(estate: Path) -> None:
    shutil.rmtree(estate / "manifests" / "gke-prod")
    with pytest.raises(BlueprintError) as raised:
        load(estate)
    assert [str(p) for p in raised.value.errors] == [
        f"estate/{ENTRY}: clusters[0].manifests[0]: 'manifests/gke-prod': no such file or "
        "folder (expected a folder or file of Kubernetes/Istio manifests, relative to the "
        "blueprint file)"
    ]


def test_manifests_that_do_not_load_name_the_blueprint_line_first(estate: Path) -> None:
    (estate / "manifests" / "gke-prod" / "bad.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata: {name: x, namespace: web}\nspec: {containers: 5}\n"
    )
    topology_error = None
    try:
        build_topology(load(estate))
    except ManifestError as error:
        topology_error = error
    assert topology_error is not None
    assert [str(p) for p in topology_error.problems] == [
        f"estate/{ENTRY}: clusters[0].manifests[0]: the manifests 'manifests/gke-prod' of "
        "cluster 'gke-prod' do not load: 1 problem below (expected manifests that load whole)",
        "estate/manifests/gke-prod/bad.yaml:4:20: spec.containers: expected a list, got 5",
    ]


def test_the_cli_says_so_with_exit_code_2(estate: Path) -> None:
    shutil.rmtree(estate / "manifests" / "kapsule-eu")
    done = subprocess.run(
        [sys.executable, "-m", "crossfence", "reach", str(estate), *FLOW],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)},
        check=False,
    )
    assert done.returncode == 2
    assert "estate/clusters.yaml:37:17: clusters[1].manifests[0]: 'manifests/kapsule-eu'" in (
        done.stderr
    )
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("order", [("refers", "declares"), ("declares", "refers")])
def test_a_namespace_keeps_the_labels_of_the_entry_that_declares_it(
    tmp_path: Path, order: tuple[str, str]
) -> None:
    """Two `manifests` entries: one declares namespace shop with its labels, the other only has
    a policy in it. Whatever their order, shop keeps its labels (NetworkPolicy namespace
    selectors and sidecar injection read them); the entry that only refers to it used to replace
    them with the default `kubernetes.io/metadata.name` alone when it came last."""
    from tests.compile.estates import BASE, write

    from crossfence.providers.clusters import own_manifests

    folders = {"declares": tmp_path / "declares", "refers": tmp_path / "refers"}
    for folder in folders.values():
        folder.mkdir()
    (folders["declares"] / "ns.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: shop\n"
        "  labels: {team: shop, istio-injection: enabled}\n",
        encoding="utf-8",
    )
    (folders["refers"] / "authz.yaml").write_text(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata: {name: nothing, namespace: shop}\nspec: {}\n",
        encoding="utf-8",
    )
    entries = ", ".join(str(folders[name]) for name in order)
    text = BASE.replace(
        "      east_west_gateway: {address: 10.0.1.100}\n",
        f"      east_west_gateway: {{address: 10.0.1.100}}\n    manifests: [{entries}]\n",
    )
    cluster = load(write(tmp_path / "estate", text)).get("clusters", "west")
    labels = dict(own_manifests(cluster).namespaces["shop"].labels)
    assert labels["team"] == "shop" and labels["istio-injection"] == "enabled"
