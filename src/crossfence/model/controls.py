"""Keys, storage, backups, the DLP path, credentials and Vault roles: the controls the estate relies on."""

from __future__ import annotations

from typing import Literal

from .base import Model, Name, NamedModel

__all__ = [
    "Backup",
    "Bucket",
    "Credential",
    "DlpPath",
    "Key",
    "ServicePerimeter",
    "VaultBinding",
    "VaultRole",
]


class Key(NamedModel):
    """An encryption key and who holds it."""

    kind: Literal["customer_supplied", "customer_managed", "provider_managed"]
    """CSEK (you supply the key with each request), CMEK (in a KMS you control), provider-managed."""
    held_by: Name
    """The workload that generates and holds it (an HSM, a KMS endpoint)."""
    protects: tuple[Name, ...] = ()
    """Buckets or other objects it encrypts."""
    protects_disks: bool = False
    """Also used for GCE disks."""


class Bucket(NamedModel):
    """An object-storage bucket (Cloud Storage, Scaleway Object Storage, S3)."""

    cloud: Name
    """The cloud it is in."""
    location: str
    """Location (`EU`, `europe-west1`, `fr-par`)."""
    encryption_key: Name | None = None
    """The blueprint key protecting it; none means provider-managed encryption."""
    reached_via: Name | None = None
    """The external API endpoint used to reach it (`restricted-googleapis`)."""


class ServicePerimeter(NamedModel):
    """A VPC Service Controls perimeter around projects."""

    cloud: Name
    """The cloud (project) inside the perimeter."""
    restricted_services: tuple[str, ...] = ()
    """Services only reachable from inside (`dlp.googleapis.com`, `storage.googleapis.com`)."""
    access_ranges: tuple[str, ...] = ()
    """Client ranges admitted by its access level (e.g. the Scaleway ranges)."""


class DlpPath(NamedModel):
    """A client that sends data to a DLP inspection API, and the way it goes."""

    client: Name
    """The workload that calls the API."""
    api: Name
    """The external API workload it calls (`restricted-googleapis`)."""
    port: str = "tcp/443"
    """Port of the call."""
    inspection: Literal["in_memory", "stored"] = "in_memory"
    """Whether the DLP service stores what it inspects."""
    service_perimeter: Name | None = None
    """The VPC Service Controls perimeter protecting the API."""


class Backup(NamedModel):
    """A backup job: what it copies, how it is protected, where it goes."""

    agent: Name
    """The workload that takes and ships the backup."""
    source: Name
    """The workload whose data is backed up."""
    destination: Name
    """The bucket it lands in."""
    via: Name | None = None
    """The external API endpoint it ships through (`restricted-googleapis`)."""
    encrypted_at_source: bool = True
    """Whether the snapshot is encrypted before it leaves the source (and never decrypted)."""
    encryption_key: Name | None = None
    """The key used."""


class Credential(NamedModel):
    """A cloud credential kept in Vault."""

    cloud: Name
    """The cloud it grants access to."""
    usage: Literal["deploy", "runtime"]
    """Deploy time (CI) or run time (applications)."""
    vault: Name
    """The Vault workload that holds it."""


class VaultBinding(Model):
    """A Kubernetes service account allowed to log in with a Vault role."""

    cluster: Name
    """The cluster whose Kubernetes auth method is used."""
    namespace: str
    """Namespace of the service account (`*` for all)."""
    service_account: str
    """Service account name (`*` for all)."""


class VaultRole(NamedModel):
    """A Vault Kubernetes-auth role and the credentials it reads."""

    vault: Name
    """The Vault workload."""
    credentials: tuple[Name, ...]
    """Credentials the role's policies can read."""
    bindings: tuple[VaultBinding, ...]
    """Who may log in with it."""
    token_ttl: str = "1h"
    """Token time-to-live."""
