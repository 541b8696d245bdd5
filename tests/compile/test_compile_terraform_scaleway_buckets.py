"""The terraform target's Scaleway buckets: a `scaleway_object_bucket` in its region; a customer-managed key is a Key Manager key set as the buckets' default SSE-KMS encryption; read back from the plan.

https://registry.terraform.io/providers/scaleway/scaleway/latest/docs/resources/object_bucket
(`name`, `region`); .../object_bucket_server_side_encryption_configuration (`rule`,
`apply_server_side_encryption_by_default`: `sse_algorithm` `AES256` or `aws:kms`,
`kms_master_key_id` "Scaleway KMS master key ID", the example giving the key's `name`;
`bucket_key_enabled`), added in scaleway/scaleway v2.76.0; .../key_manager_key (`usage`
`symmetric_encryption`, `algorithm` `aes_256_gcm`). SSE-KMS takes "a symmetric key encryption
key (KEK) via Key Manager" (https://www.scaleway.com/en/docs/object-storage/api-cli/enable-sse-kms/);
SSE-C keys are sent with each request
(https://www.scaleway.com/en/docs/object-storage/api-cli/enable-sse-c/).
"""

from __future__ import annotations

import json
from pathlib import Path

from crossfence import load
from crossfence.compile.tfplan import round_trip_files
from crossfence.model import Blueprint
from crossfence.providers.scaleway.tfjson import SCALEWAY_PROVIDER_VERSION, scaleway_terraform

from .provider_schema import read_pulumi_schema
from .test_compile_terraform_scaleway import PACKAGE, _unknown
from .test_compile_terraform_scaleway_vms import _answers

ESTATE = """\
clouds:
  - {name: scw, provider: scaleway, jurisdiction: EU, region: fr-par}
  - {name: gcp, provider: gcp, jurisdiction: US, region: europe-west1}
networks:
  - name: vpc
    cloud: scw
    private_networks:
      - {name: apps, cidr: 172.16.0.0/22}
workloads:
  - {name: hsm, kind: vm, network: vpc, subnet: apps, addresses: [172.16.0.10]}
  - {name: s3, kind: external_api, cloud: scw, network: vpc, addresses: [51.159.62.0/24], ports: ["tcp/443"]}
keys:
  - {name: kek, kind: customer_managed, held_by: hsm, protects: [archive, logs]}
  - {name: csek, kind: customer_supplied, held_by: hsm, protects: [plain]}
buckets:
  - {name: archive, cloud: scw, location: fr-par, encryption_key: kek, reached_via: s3}
  - {name: logs, cloud: scw, location: fr-par, encryption_key: kek}
  - {name: plain, cloud: scw, location: nl-ams, encryption_key: csek}
"""


def _estate(tmp_path: Path, text: str = ESTATE) -> Blueprint:
    (tmp_path / "estate.yaml").write_text(text, encoding="utf-8")
    return load(tmp_path / "estate.yaml")


def test_buckets_and_their_key_manager_key(tmp_path: Path) -> None:
    document, problems, warnings = scaleway_terraform(_estate(tmp_path))
    assert problems == []
    resources = document["resource"]
    assert resources["scaleway_object_bucket"] == {
        "archive": {"name": "archive", "region": "fr-par"},
        "logs": {"name": "logs", "region": "fr-par"},
        "plain": {"name": "plain", "region": "nl-ams"},
    }
    assert resources["scaleway_key_manager_key"] == {
        "kek": {
            "name": "kek",
            "region": "fr-par",
            "usage": "symmetric_encryption",
            "algorithm": "aes_256_gcm",
        }
    }
    encryption = resources["scaleway_object_bucket_server_side_encryption_configuration"]
    assert sorted(encryption) == ["archive", "logs"]
    assert encryption["archive"] == {
        "bucket": "${scaleway_object_bucket.archive.name}",
        "region": "fr-par",
        "rule": [
            {
                "apply_server_side_encryption_by_default": [
                    {
                        "sse_algorithm": "aws:kms",
                        "kms_master_key_id": "${scaleway_key_manager_key.kek.name}",
                    }
                ],
                "bucket_key_enabled": True,
            }
        ],
    }
    # SSE-C: no bucket setting, said so
    found = [w for w in warnings if "bucket 'plain'" in w.message]
    assert len(found) == 1 and "customer-supplied key 'csek'" in found[0].message
    # SSE-KMS on a bucket needs scaleway/scaleway v2.76.0 or later
    assert tuple(int(p) for p in SCALEWAY_PROVIDER_VERSION.split(".")) >= (2, 76, 0)
    if PACKAGE.exists():
        for kind, label in (
            ("scaleway_object_bucket", "archive"),
            ("scaleway_key_manager_key", "kek"),
            ("scaleway_object_bucket_server_side_encryption_configuration", "archive"),
        ):
            schema = read_pulumi_schema(PACKAGE, kind)
            assert _unknown(resources[kind][label], schema, kind) == []


def test_a_key_scaleway_cannot_attach_is_a_located_error(tmp_path: Path) -> None:
    """A Key Manager key is one project's: a key that also protects a Google bucket is not one."""
    text = ESTATE.replace("protects: [archive, logs]", "protects: [archive, logs, gcs]") + (
        "  - {name: gcs, cloud: gcp, location: EU, encryption_key: kek}\n"
    )
    document, problems, _ = scaleway_terraform(_estate(tmp_path, text))
    assert [p.path for p in problems] == ["keys[0]", "keys[0]"]
    assert "expected a key that protects buckets of one Scaleway cloud" in problems[0].message
    assert problems[0].file is not None and problems[0].line == 13
    assert "scaleway_key_manager_key" not in document["resource"]


def test_a_key_and_buckets_that_disagree_are_an_error(tmp_path: Path) -> None:
    """The encryption configuration is the one link Terraform holds: the key's `protects` and
    the buckets' `encryption_key` must say the same, or the plan would read back another key."""
    text = ESTATE.replace(
        "{name: logs, cloud: scw, location: fr-par, encryption_key: kek}",
        "{name: logs, cloud: scw, location: fr-par}",
    )
    _, problems, _ = scaleway_terraform(_estate(tmp_path, text))
    assert [p.path for p in problems] == ["keys[0]"]
    assert "it protects logs, whose encryption_key is not 'kek'" in problems[0].message
    text = ESTATE.replace("protects: [archive, logs]", "protects: [archive]")
    _, problems, _ = scaleway_terraform(_estate(tmp_path, text))
    assert [p.path for p in problems] == ["keys[0]"]
    assert "bucket 'logs' names it as its encryption_key" in problems[0].message


def test_buckets_of_two_regions_under_one_key_are_an_error(tmp_path: Path) -> None:
    text = ESTATE.replace(
        "{name: logs, cloud: scw, location: fr-par", "{name: logs, cloud: scw, location: nl-ams"
    )
    _, problems, _ = scaleway_terraform(_estate(tmp_path, text))
    assert problems and all(p.path == "keys[0]" for p in problems)


def test_a_location_that_is_no_scaleway_region_is_an_error(tmp_path: Path) -> None:
    text = ESTATE.replace(
        "{name: plain, cloud: scw, location: nl-ams", "{name: plain, cloud: scw, location: EU"
    )
    _, problems, _ = scaleway_terraform(_estate(tmp_path, text))
    assert [p.path for p in problems] == ["buckets[2]"]
    assert "'EU' is no Scaleway region" in problems[0].message


def test_the_round_trip_reads_buckets_and_key_from_the_plan(tmp_path: Path) -> None:
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    archive = back.get("buckets", "archive")
    assert archive is not None
    assert (archive.location, archive.encryption_key, archive.reached_via) == (
        "fr-par",
        "kek",
        "s3",
    )
    kek = back.get("keys", "kek")
    assert kek is not None
    assert (kek.kind, kek.protects, kek.held_by) == ("customer_managed", ("archive", "logs"), "hsm")
    overlay_text = "".join(f.read_text("utf-8") for f in overlay.glob("*.yaml"))
    assert "encryption_key: kek" not in overlay_text and "location: fr-par" not in overlay_text


def test_an_encryption_left_out_of_the_plan_is_not_read_back(tmp_path: Path) -> None:
    """The test can fail: without the encryption configuration, no bucket has the key."""
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    document = json.loads(plan.read_text("utf-8"))
    resources = document["planned_values"]["root_module"]["resources"]
    document["planned_values"]["root_module"]["resources"] = [
        r
        for r in resources
        if r["type"] != "scaleway_object_bucket_server_side_encryption_configuration"
    ]
    plan.write_text(json.dumps(document), encoding="utf-8")
    back = load(plan, [overlay])
    archive = back.get("buckets", "archive")
    assert archive is not None and archive.encryption_key is None
