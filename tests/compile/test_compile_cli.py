"""`crossfence compile PATH -o DIR`: the same blueprint gives the same bytes; the folder is new, empty or a previous compile's, never a cluster's own manifests; bad input is a located error, exit code 2, and nothing is written."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from crossfence.cli import app

from .estates import BASE, write

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "eu-sovereign"
runner = CliRunner()


def _run(*args: str | Path) -> Any:
    return runner.invoke(app, [str(a) for a in args])


def _tree(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


@pytest.fixture
def estate(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the example (its variants left out), the working directory its parent."""
    shutil.copytree(EXAMPLE, tmp_path / "estate", ignore=shutil.ignore_patterns("variants"))
    monkeypatch.chdir(tmp_path)
    return Path("estate")


def test_compile_writes_every_target(estate: Path) -> None:
    result = _run("compile", estate, "-o", "out")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == (
        "compiled: 15 files (kubernetes, istio, vault, envoy, terraform) in out"
    )
    assert sorted({p.split("/")[0] for p in _tree(Path("out"))}) == [
        ".crossfence-compiled",
        "envoy",
        "istio",
        "kubernetes",
        "terraform",
        "vault",
    ]
    assert "warning: estate/clusters.yaml:55:9: global_namespaces[0].policies[1]" in result.stderr
    # what the terraform target does not write is said, never silently left out
    assert (
        "warning: estate/workloads.yaml:35:5: workloads[4]: terraform: 1 workloads of cloud 'scw' "
        "(customer-api) are not written"
    ) in result.stderr


def test_the_same_blueprint_gives_the_same_bytes(estate: Path, tmp_path: Path) -> None:
    """Wherever it is compiled from: origins are written relative to the blueprint."""
    assert _run("compile", estate, "-o", "one").exit_code == 0
    assert _run("compile", estate.resolve(), "-o", tmp_path / "two").exit_code == 0
    assert _tree(Path("one")) == _tree(tmp_path / "two")


def test_a_previous_compile_is_replaced_and_nothing_else(estate: Path) -> None:
    assert _run("compile", estate, "-o", "out").exit_code == 0
    Path("out/NOTES.md").write_text("mine", encoding="utf-8")
    result = _run("compile", estate, "-o", "out", "--target", "vault")
    assert result.exit_code == 0, result.output
    assert sorted(_tree(Path("out"))) == [
        ".crossfence-compiled",
        "NOTES.md",
        "vault/vault/auth/kubernetes-gke-prod/role/scw-deployer.json",
        "vault/vault/auth/kubernetes-kapsule-eu/role/scw-user.json",
        "vault/vault/policies/scw-deployer.hcl",
        "vault/vault/policies/scw-user.hcl",
    ]
    assert not Path("out/istio").exists()


def test_a_folder_compile_did_not_write_is_refused(estate: Path) -> None:
    Path("out").mkdir()
    Path("out/main.tf").write_text("mine", encoding="utf-8")
    result = _run("compile", estate, "-o", "out")
    assert result.exit_code == 2
    assert "out is not empty and was not written by crossfence compile" in result.stderr
    assert _tree(Path("out")) == {"main.tf": b"mine"}


def test_the_clusters_own_manifests_are_never_the_output(estate: Path) -> None:
    before = _tree(estate / "manifests")
    result = _run("compile", estate, "-o", estate / "manifests" / "gke-prod")
    assert result.exit_code == 2
    assert (
        "error: estate/clusters.yaml:21:17: clusters[0].manifests[0]: the output folder "
        in result.stderr
    )
    assert _tree(estate / "manifests") == before


def test_the_output_is_never_inside_the_blueprint_folder(estate: Path) -> None:
    result = _run("compile", estate, "-o", estate / "compiled")
    assert result.exit_code == 2
    assert "would be read as blueprint files next time" in result.stderr
    assert not (estate / "compiled").exists()


def test_the_output_folder_is_required(estate: Path) -> None:
    result = _run("compile", estate)
    assert result.exit_code == 2
    assert "Missing option '--output'" in result.output


def test_a_target_not_built_is_not_offered(estate: Path) -> None:
    result = _run("compile", estate, "-o", "out", "--target", "pulumi")
    assert result.exit_code == 2
    assert not Path("out").exists()


def test_bad_input_is_a_located_error(tmp_path: Path) -> None:
    path = write(
        tmp_path / "estate", BASE.replace("pod_range: 10.8.0.0/16", "pod_range: 10.8.0.1/16")
    )
    result = _run("compile", path, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}:18:16: clusters[0].pod_range: ")
    assert not (tmp_path / "out").exists()


def test_a_construct_a_target_cannot_express_writes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path / "estate", BASE.replace("sources: [web]", "sources: [db]"))
    result = _run("compile", path, "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {path}:45:9: global_namespaces[0].policies[0]: ")
    assert result.stderr.splitlines()[-1] == "1 error; nothing was done."
    assert not (tmp_path / "out").exists()


def test_a_folder_of_manifests_is_not_a_blueprint(tmp_path: Path) -> None:
    result = _run("compile", EXAMPLE / "manifests" / "kapsule-eu", "-o", tmp_path / "out")
    assert result.exit_code == 2
    assert "compile takes a blueprint" in result.stderr


def test_own_manifests_that_do_not_load_are_a_located_error(estate: Path) -> None:
    (estate / "manifests" / "kapsule-eu" / "shop.yaml").write_text(
        "kind: NetworkPolicy\nmetadata: [\n", encoding="utf-8"
    )
    result = _run("compile", estate, "-o", "out")
    assert result.exit_code == 2
    assert result.stderr.startswith(
        "error: estate/clusters.yaml:37:17: clusters[1].manifests[0]: the manifests "
        "'manifests/kapsule-eu' of cluster 'kapsule-eu' do not load"
    )
    assert not Path("out").exists()


def test_terraform_writes_the_google_document(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = write(tmp_path / "small", BASE)
    monkeypatch.chdir(tmp_path)
    result = _run("compile", folder, "-o", "out", "--target", "terraform")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == "terraform/gcp/main.tf.json"
    text = Path("out/terraform/gcp/main.tf.json").read_text("utf-8")
    assert '"//"' in text and "networks vpc (" in text
    assert '"google_compute_firewall"' in text


def test_terraform_that_cannot_express_a_construct_is_a_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An AWS route to an address no VM holds (a route table takes a network interface, not an
    address): an error naming the route (exit 2), nothing written, never a route dropped."""
    shutil.copytree(ROOT / "tests" / "providers" / "aws" / "fixtures" / "aws-gcp", tmp_path / "aws")
    aws = tmp_path / "aws" / "aws.yaml"
    aws.write_text(
        aws.read_text("utf-8").replace(
            "        propagating_vpn_gateways: [ops-vgw]",
            "        propagating_vpn_gateways: [ops-vgw]\n"
            "        routes: [{name: to-batch, destination: 192.168.0.0/16, next_hop_ip: 10.40.3.99}]",
            1,
        ),
        encoding="utf-8",
    )
    monkeypatch.chdir(tmp_path)
    result = _run("compile", "aws", "-o", "out", "--target", "terraform")
    assert result.exit_code == 2, result.output
    assert "aws/aws.yaml:20:18: networks[0].route_tables[1].routes[0]" in result.stderr
    assert (
        "route 'to-batch': an AWS route sends to an instance's network interface" in result.stderr
    )
    assert not Path("out").exists()


def test_a_cloud_whose_provider_has_no_writer_is_a_located_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A provider registered without a compile direction (`TerraformMapping.write`): its cloud
    is an error naming it, never a Terraform without its network."""
    import dataclasses

    from crossfence.compile import terraform as target
    from crossfence.providers.registry import terraform_mappings

    monkeypatch.setattr(
        target,
        "terraform_mappings",
        lambda: tuple(
            dataclasses.replace(m, write=None) if m.cloud == "aws" else m
            for m in terraform_mappings()
        ),
    )
    shutil.copytree(ROOT / "tests" / "providers" / "aws" / "fixtures" / "aws-gcp", tmp_path / "aws")
    monkeypatch.chdir(tmp_path)
    result = _run("compile", "aws", "-o", "out", "--target", "terraform")
    assert result.exit_code == 2, result.output
    assert "aws/estate.yaml:11:5: clouds[1]: cloud 'aws'" in result.stderr
    assert "does not write aws yet" in result.stderr
    assert not Path("out").exists()


def _body(path: Path) -> object:
    """A compiled file without its header naming where each object came from (`#` lines, or
    JSON's `//` key)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        import json

        document = json.loads(text)
        document.pop("//", None)
        return document
    return [line for line in text.splitlines() if not line.startswith("#")]


def test_terraform_json_with_its_overlay_compiles_as_the_blueprint(tmp_path: Path) -> None:
    """What `import` reads compiles too: the reference estate's plan with its overlay writes
    the blueprint's Kubernetes, Istio and Vault files (their headers name the plan instead)."""
    terraform = EXAMPLE / "terraform"
    from_plan, from_yaml = tmp_path / "plan", tmp_path / "yaml"
    result = _run(
        "compile",
        terraform / "plan.json",
        "--overlay",
        terraform / "overlay.yaml",
        "-o",
        from_plan,
        "-q",
    )
    assert result.exit_code == 0, result.output
    assert _run("compile", EXAMPLE, "-o", from_yaml, "-q").exit_code == 0
    compared = [
        p.relative_to(from_yaml)
        for p in sorted(from_yaml.rglob("*"))
        if p.is_file() and p.parts[len(from_yaml.parts)] in ("kubernetes", "istio", "vault")
    ]
    assert compared
    for relative in compared:
        assert _body(from_plan / relative) == _body(from_yaml / relative), relative
    assert "plan.json" in (from_plan / "terraform" / "gcp" / "main.tf.json").read_text()
