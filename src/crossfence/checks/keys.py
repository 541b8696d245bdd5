"""Key custody checks: keys held outside the jurisdiction whose data they protect."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Context, Finding, ref, register

__all__: list[str] = []


@register(
    "keys.key-outside-jurisdiction",
    "high",
    "Encryption key held outside the required jurisdiction",
    "Encrypting data in a foreign cloud protects it only if the key stays under the required "
    "jurisdiction; a key held by a foreign provider can be handed over with the data.",
    "Generate and hold the key in the required jurisdiction (an HSM or KMS there) and supply it "
    "per request (customer-supplied keys).",
)
def key_outside(context: Context, check: Check) -> Iterator[Finding]:
    required = context.jurisdiction
    if required is None:
        return
    for key in context.blueprint.keys:
        holder = context.workload(key.held_by)
        if key.kind == "provider_managed":
            cloud = None
            for name in key.protects:
                bucket = context.blueprint.get("buckets", name)
                cloud = context.blueprint.cloud_of(bucket) if bucket is not None else cloud
        else:
            cloud = context.blueprint.cloud_of(holder) if holder is not None else None
        if cloud is None or cloud.jurisdiction == required:
            continue
        objects = [ref("key", key), ref("cloud", cloud)]
        if holder is not None:
            objects.insert(1, ref("workload", holder))
        yield check.finding(
            f"key {key.name} ({key.kind}) is held in cloud {cloud.name} (jurisdiction "
            f"{cloud.jurisdiction}); the estate requires {required}",
            objects,
        )
