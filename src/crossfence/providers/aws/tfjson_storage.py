"""The blueprint's AWS buckets and customer-managed keys as Terraform JSON: `aws_s3_bucket` with its server-side encryption by an `aws_kms_key`.

https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket (`bucket`,
`region`),
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/s3_bucket_server_side_encryption_configuration
(`rule.apply_server_side_encryption_by_default`: `sse_algorithm` `aws:kms`,
`kms_master_key_id`) and
https://registry.terraform.io/providers/hashicorp/aws/latest/docs/resources/kms_key. A
customer-managed key is an AWS KMS key when every object it protects is a bucket of one AWS
cloud (`compile.terraform.cloud_name`); a customer-supplied key (SSE-C) is sent with each request
(https://docs.aws.amazon.com/AmazonS3/latest/userguide/ServerSideEncryptionCustomerKeys.html):
no bucket setting holds it, so such a bucket, and one whose key is not written here, is left to
the overlay, warned.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from ...model import Blueprint, Bucket
from ...terraform.mapping import ref as _ref

if TYPE_CHECKING:
    from .tfjson import _Writer

__all__ = ["buckets", "writes_bucket"]

_REGION = re.compile(r"^[a-z]{2}(-[a-z]+)+-\d$")
"""An AWS region (`eu-west-3`)."""


def _key_cloud(blueprint: Blueprint, key: Any) -> str | None:
    """The cloud of a customer-managed key: that of the buckets it protects, when they all are
    buckets of one cloud (as `compile.terraform.cloud_name` decides)."""
    if key.kind != "customer_managed":
        return None
    found = [blueprint.get("buckets", n) for n in key.protects]
    clouds = {b.cloud if b is not None else None for b in found}
    return clouds.pop() if len(clouds) == 1 else None


def writes_bucket(blueprint: Blueprint, bucket: Bucket) -> str | None:
    """Why a bucket is not written as an S3 bucket (None: it is); the overlay keeps one that is
    not, with a warning."""
    if not _REGION.match(bucket.location):
        return f"its location {bucket.location} is no AWS region (an S3 bucket is in one)"
    if bucket.encryption_key is None:
        return None
    key = blueprint.get("keys", bucket.encryption_key)
    if key is None:
        return f"its key {bucket.encryption_key} is not in the blueprint"
    if key.kind == "customer_supplied":
        return (
            f"its customer-supplied key {key.name} is sent with each request by the clients "
            "(SSE-C), no bucket setting"
        )
    if key.kind == "provider_managed":
        return (
            f"no S3 argument names its provider-managed key {key.name} (S3 encrypts with its own)"
        )
    if _key_cloud(blueprint, key) != bucket.cloud:
        return (
            f"its key {key.name} also protects objects other than this cloud's buckets, so "
            "compile writes no KMS key for it"
        )
    # the key is written with all of its buckets or with none
    others = [blueprint.get("buckets", n) for n in key.protects]
    if any(o is None or not _REGION.match(o.location) for o in others):
        return f"its key {key.name} protects a bucket that is not written"
    return None


def _kms_key(w: _Writer, key: Any) -> str:
    """The `aws_kms_key` of a customer-managed key, written once; a reference to its id."""
    if key.name not in w.resources.get("aws_kms_key", {}):
        w.add(
            "aws_kms_key",
            key.name,
            {
                "description": f"key {key.name} (compiled by crossfence)",
                "key_usage": "ENCRYPT_DECRYPT",
                # a good default that opens no path (checkov CKV_AWS_7): yearly rotation
                "enable_key_rotation": True,
                "tags": {"Name": key.name},
            },
        )
    return _ref("aws_kms_key", key.name, "id")


def buckets(w: _Writer) -> None:
    """An S3 bucket per bucket of the AWS clouds, encrypted by its customer-managed key."""
    blueprint = w.blueprint
    for bucket in blueprint.buckets:
        if bucket.cloud not in w.clouds:
            continue
        why = writes_bucket(blueprint, bucket)
        if why is not None:
            w.problem(
                bucket,
                f"buckets[{bucket.name}]",
                f"bucket '{bucket.name}' is not written as an S3 bucket: {why} (the round "
                "trip's overlay keeps it)",
                warning=True,
            )
            continue
        w.add(
            "aws_s3_bucket",
            bucket.name,
            {"bucket": bucket.name, "region": bucket.location, "tags": {"Name": bucket.name}},
        )
        bucket_id = _ref("aws_s3_bucket", bucket.name)
        # good defaults that open no path (checkov CKV2_AWS_6, CKV_AWS_21): no public access
        # through ACLs or bucket policies, object versions kept
        w.add(
            "aws_s3_bucket_public_access_block",
            bucket.name,
            {
                "bucket": bucket_id,
                "block_public_acls": True,
                "block_public_policy": True,
                "ignore_public_acls": True,
                "restrict_public_buckets": True,
            },
        )
        w.add(
            "aws_s3_bucket_versioning",
            bucket.name,
            {"bucket": bucket_id, "versioning_configuration": [{"status": "Enabled"}]},
        )
        key = blueprint.get("keys", bucket.encryption_key) if bucket.encryption_key else None
        if key is None:
            continue  # S3 encrypts every object with its own keys (SSE-S3) otherwise
        rule: dict[str, Any] = {
            "apply_server_side_encryption_by_default": [
                {"sse_algorithm": "aws:kms", "kms_master_key_id": _kms_key(w, key)}
            ],
            "bucket_key_enabled": True,
        }
        w.add(
            "aws_s3_bucket_server_side_encryption_configuration",
            bucket.name,
            {"bucket": bucket_id, "rule": [rule]},
        )
