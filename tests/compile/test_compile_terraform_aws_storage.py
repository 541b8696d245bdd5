"""The terraform target's AWS buckets and customer-managed keys: `aws_s3_bucket` encrypted by an `aws_kms_key` through `aws_s3_bucket_server_side_encryption_configuration`; read back from the plan, who holds the key from the overlay.

https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket (`bucket`,
`region`),
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_server_side_encryption_configuration
(`rule.apply_server_side_encryption_by_default.sse_algorithm` `aws:kms`, `kms_master_key_id`),
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_key;
https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html
(SSE-C: the key is sent with each request).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from ruamel.yaml import YAML

from crossfence import build_topology, load, run_checks
from crossfence.compile.tfplan import round_trip_files
from crossfence.model import Blueprint
from crossfence.providers.aws.tfjson import aws_terraform

from .provider_schema import read_schemas
from .test_compile_terraform_aws import PACKAGE, _answers, _unknown

ESTATE = """\
clouds: [{name: aws, provider: aws, jurisdiction: EU, region: eu-west-3}]
networks:
  - name: vpc
    cloud: aws
    cidr_blocks: [10.80.0.0/16]
    subnets:
      - {name: app, cidr: 10.80.1.0/24, region: eu-west-3a}
workloads:
  - {name: hsm, kind: vm, network: vpc, subnet: app, addresses: [10.80.1.10]}
keys:
  - {name: archive-key, kind: customer_managed, held_by: hsm, protects: [archive, reports]}
  - {name: client-key, kind: customer_supplied, held_by: hsm, protects: [uploads]}
buckets:
  - {name: archive, cloud: aws, location: eu-west-3, encryption_key: archive-key}
  - {name: reports, cloud: aws, location: eu-central-1, encryption_key: archive-key}
  - {name: uploads, cloud: aws, location: eu-west-3, encryption_key: client-key}
  - {name: logs, cloud: aws, location: eu-west-3}
"""


def _estate(tmp_path: Path, text: str = ESTATE) -> Blueprint:
    (tmp_path / "estate.yaml").write_text(text, encoding="utf-8")
    return load(tmp_path / "estate.yaml")


def _findings(blueprint: Blueprint) -> list[tuple[str, tuple[str, ...]]]:
    report = run_checks(blueprint, build_topology(blueprint))
    return sorted((f.check.id, tuple(sorted(o.name for o in f.objects))) for f in report.findings)


def test_buckets_encrypted_by_a_kms_key(tmp_path: Path) -> None:
    document, problems, warnings = aws_terraform(_estate(tmp_path))
    assert problems == []
    resources = document["resource"]
    assert resources["aws_s3_bucket"]["archive"] == {
        "bucket": "archive",
        "region": "eu-west-3",
        "tags": {"Name": "archive"},
    }
    assert resources["aws_s3_bucket"]["reports"]["region"] == "eu-central-1"
    assert resources["aws_kms_key"]["archive-key"]["tags"] == {"Name": "archive-key"}
    for name in ("archive", "reports"):
        encryption = resources["aws_s3_bucket_server_side_encryption_configuration"][name]
        assert encryption["bucket"] == f"${{aws_s3_bucket.{name}.id}}"
        assert encryption["rule"][0]["apply_server_side_encryption_by_default"] == [
            {"sse_algorithm": "aws:kms", "kms_master_key_id": "${aws_kms_key.archive-key.id}"}
        ]
    # no key of its own: S3's default encryption, no configuration written
    assert "logs" in resources["aws_s3_bucket"]
    assert "logs" not in resources["aws_s3_bucket_server_side_encryption_configuration"]
    # SSE-C is the clients' to send: not a bucket setting, the bucket is left to the overlay
    assert "uploads" not in resources["aws_s3_bucket"]
    assert any("'uploads' is not written" in w.message for w in warnings)
    if not PACKAGE.exists():
        pytest.skip("no provider schema: `make schemas` packs @cdktf/provider-aws")
    kinds = {
        "aws_s3_bucket",
        "aws_s3_bucket_server_side_encryption_configuration",
        "aws_s3_bucket_public_access_block",
        "aws_s3_bucket_versioning",
        "aws_kms_key",
    }
    schemas = read_schemas(PACKAGE, kinds, "aws_")
    wrong = [
        item
        for kind in kinds
        for name, body in resources[kind].items()
        for item in _unknown(body, schemas[kind], f"{kind}.{name}")
    ]
    assert wrong == []


def test_the_round_trip_reads_buckets_and_keys_from_the_plan(tmp_path: Path) -> None:
    blueprint = _estate(tmp_path)
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _answers(back) == _answers(blueprint)
    assert _findings(back) == _findings(blueprint)
    archive = back.get("buckets", "archive")
    assert archive is not None and archive.encryption_key == "archive-key"
    assert archive.location == "eu-west-3" and archive.cloud == "aws"
    key = back.get("keys", "archive-key")
    assert key is not None and key.kind == "customer_managed"
    assert sorted(key.protects) == ["archive", "reports"] and key.held_by == "hsm"
    kept = {
        (section, o["name"]): o
        for f in overlay.glob("*.yaml")
        for section, objects in (YAML(typ="safe").load(f.read_text("utf-8")) or {}).items()
        if isinstance(objects, list)
        for o in objects
        if isinstance(o, dict) and "name" in o
    }
    # the plan holds the key but who holds it; the SSE-C bucket and its key are the overlay's
    assert sorted(kept[("keys", "archive-key")]) == ["held_by", "name"]
    assert ("buckets", "archive") not in kept
    assert kept[("buckets", "uploads")]["encryption_key"] == "client-key"
    assert kept[("keys", "client-key")]["kind"] == "customer_supplied"


def test_a_key_protecting_a_bucket_not_written_is_not_written(tmp_path: Path) -> None:
    """A key is written with all of its buckets or with none: a bucket whose location is no AWS
    region keeps it, and its other buckets, in the overlay."""
    text = ESTATE.replace("location: eu-central-1", "location: EU")
    blueprint = _estate(tmp_path, text)
    document, problems, _ = aws_terraform(blueprint)
    assert problems == []
    assert "aws_kms_key" not in document["resource"]
    assert set(document["resource"]["aws_s3_bucket"]) == {"logs"}
    plan, overlay = round_trip_files(blueprint, tmp_path / "rt")
    back = load(plan, [overlay])
    assert _findings(back) == _findings(blueprint)
