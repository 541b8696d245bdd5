"""The terraform target's keys: a customer-managed key protecting Google buckets is a `google_kms_key_ring` with a `google_kms_crypto_key`, the buckets' `encryption.default_kms_key_name` a reference to it, read back from the plan.

https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/kms_crypto_key,
https://registry.terraform.io/providers/hashicorp/google/latest/docs/resources/storage_bucket
(`encryption.default_kms_key_name`). A customer-supplied key has no resource: the client sends
it with each request (https://cloud.google.com/storage/docs/encryption/customer-supplied-keys).
"""

from __future__ import annotations

from pathlib import Path

from ruamel.yaml import YAML

from crossfence import build_topology, load, run_checks
from crossfence.compile.tfplan import round_trip_files
from crossfence.engine.layered_matrix import layered_connectivity
from crossfence.model import Blueprint
from crossfence.providers.gcp.tfjson import google_terraform

from .provider_schema import read_schema
from .test_compile_terraform import PACKAGE, _unknown

ESTATE = """\
personal_data_jurisdiction: EU
clouds: [{name: gcp, provider: gcp, jurisdiction: EU, region: europe-west1, project: p1}]
networks:
  - name: vpc
    cloud: gcp
    subnets: [{name: a, cidr: 10.0.0.0/24, region: europe-west1}]
workloads:
  - {name: kms-api, kind: external_api, addresses: [199.36.153.4/30], hostname: cloudkms.googleapis.com}
keys:
  - {name: cmek, kind: customer_managed, held_by: kms-api, protects: [data, logs]}
  - {name: csek, kind: customer_supplied, held_by: kms-api, protects: [dr]}
buckets:
  - {name: data, cloud: gcp, location: eu, encryption_key: cmek}
  - {name: logs, cloud: gcp, location: eu, encryption_key: cmek}
  - {name: dr, cloud: gcp, location: eu, encryption_key: csek}
"""


def _estate(tmp_path: Path) -> Blueprint:
    (tmp_path / "estate.yaml").write_text(ESTATE, encoding="utf-8")
    return load(tmp_path / "estate.yaml")


def _answers(blueprint: Blueprint) -> tuple[list[object], list[tuple[str, tuple[str, ...]]]]:
    topology = build_topology(blueprint)
    report = run_checks(blueprint, topology)
    findings = sorted(
        (f.check.id, tuple(sorted(o.name for o in f.objects))) for f in report.findings
    )
    return list(layered_connectivity(topology).rows()), findings


def test_a_customer_managed_key_is_a_kms_key_its_buckets_reference(tmp_path: Path) -> None:
    document, problems, warnings = google_terraform(_estate(tmp_path))
    assert problems == []
    resources = document["resource"]
    assert resources["google_kms_crypto_key"]["cmek"]["key_ring"] == (
        "${google_kms_key_ring.cmek.id}"
    )
    # the blueprint does not say where the key ring is: a variable, no default
    assert resources["google_kms_key_ring"]["cmek"]["location"] == ("${var.cmek_key_ring_location}")
    assert "default" not in document["variable"]["cmek_key_ring_location"]
    for bucket in ("data", "logs"):
        assert resources["google_storage_bucket"][bucket]["encryption"] == [
            {"default_kms_key_name": "${google_kms_crypto_key.cmek.id}"}
        ]
    # a customer-supplied key: no resource, no bucket setting, a warning
    assert "encryption" not in resources["google_storage_bucket"]["dr"]
    assert set(resources["google_kms_crypto_key"]) == {"cmek"}
    assert any("customer-supplied key 'csek'" in w.message for w in warnings)
    if PACKAGE.exists():
        for kind in ("google_kms_key_ring", "google_kms_crypto_key"):
            schema = read_schema(PACKAGE, kind)
            assert _unknown(resources[kind]["cmek"], schema, kind) == []


def test_the_round_trip_reads_the_key_from_the_plan(tmp_path: Path) -> None:
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    kept = {
        k["name"]: k
        for f in overlay.glob("*.yaml")
        for k in (YAML(typ="safe").load(f.read_text("utf-8")) or {}).get("keys", [])
    }
    # the overlay keeps who holds the managed key; the supplied key is wholly the overlay's
    assert sorted(kept["cmek"]) == ["held_by", "name"]
    assert kept["csek"]["kind"] == "customer_supplied"
    key = back.get("keys", "cmek")
    assert key is not None
    assert key.kind == "customer_managed"
    assert sorted(key.protects) == ["data", "logs"]
