"""The vault target: per Vault, an HCL policy and Kubernetes auth roles for each `vault_roles` entry.

Files, under `vault/<vault workload>/`, laid out as the paths they are written to:

- `policies/<role>.hcl`: `vault policy write <role> policies/<role>.hcl`; one `path` block per
  credential granting `read` on its KV version 2 secret, `secret/data/<cloud>/<credential>`
  (https://developer.hashicorp.com/vault/docs/concepts/policies,
  https://developer.hashicorp.com/vault/docs/secrets/kv/kv-v2);
- `auth/kubernetes-<cluster>/role/<role>.json`: `vault write auth/kubernetes-<cluster>/role/<role>
  @auth/kubernetes-<cluster>/role/<role>.json`, one Kubernetes auth mount per cluster, with
  `bound_service_account_names`, `bound_service_account_namespaces`, `token_policies` and
  `token_ttl` (https://developer.hashicorp.com/vault/docs/auth/kubernetes,
  https://developer.hashicorp.com/vault/api-docs/auth/kubernetes).

A role's two bound lists admit every pair of a name and a namespace, so bindings that are not
such a product would be widened: that is an error, as are what Vault refuses (a list mixing `*`
with names, both lists `*`: `path_role.go` of hashicorp/vault-plugin-auth-kubernetes, "can not
mix \"*\" with values", "service_account_names and service_account_namespaces can not both be
\"*\""), a pattern other than `*`, a TTL Vault does not parse, and a credential held by another
Vault.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..model import Blueprint, VaultRole
from .base import Compiled, OutputFile, Unsupported, dns_label, hcl_string, origin, to_json

__all__ = ["KV_MOUNT", "compile_vault", "credential_path"]

KV_MOUNT = "secret"
"""The KV version 2 mount the credentials are read from (Vault's dev-server default)."""

# Vault reads a duration as seconds, or as Go durations with an optional `d` (parseutil)
_TTL = re.compile(r"^(\d+|(\d+(\.\d+)?(ns|us|µs|ms|s|m|h|d))+)$")
_SEGMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


def credential_path(cloud: str, credential: str) -> str:
    """Where a credential's secret is read (KV v2: the `data/` prefix of the API path)."""
    return f"{KV_MOUNT}/data/{cloud}/{credential}"


def compile_vault(
    blueprint: Blueprint, root: Path | None, compiled: Compiled, problems: Unsupported
) -> None:
    """Every Vault role as its policy and its per-cluster Kubernetes auth roles."""
    for role in blueprint.vault_roles:
        _role(blueprint, role, root, compiled, problems)


def _role(
    blueprint: Blueprint,
    role: VaultRole,
    root: Path | None,
    compiled: Compiled,
    problems: Unsupported,
) -> None:
    path = f"vault_roles[{role.name}]"
    before = len(problems.problems)
    for name in (role.vault, role.name):
        if not _SEGMENT.match(name):
            problems.add(
                role,
                path,
                f"'{name}' cannot be one segment of a Vault path (expected letters, digits, "
                "'.', '_' and '-')",
            )
    if not _TTL.match(role.token_ttl):
        problems.add(
            role,
            f"{path}.token_ttl",
            f"token_ttl '{role.token_ttl}' is not a duration Vault reads (expected seconds, "
            "or a duration such as 30m, 1h, 1h30m, 7d)",
        )
    blocks = []
    for name in role.credentials:
        credential = blueprint.get("credentials", name)
        if credential is None:
            continue  # validation refuses an unknown credential
        if credential.vault != role.vault:
            problems.add(
                role,
                f"{path}.credentials",
                f"credential '{name}' is held by Vault '{credential.vault}', not by "
                f"'{role.vault}', so a policy of '{role.vault}' cannot grant it (expected the "
                "role's own Vault)",
            )
            continue
        blocks.append(
            f"path {hcl_string(credential_path(credential.cloud, name))} {{\n"
            '  capabilities = ["read"]\n'
            "}\n"
        )
    by_cluster: dict[str, list[tuple[str, str]]] = {}
    for binding in role.bindings:
        by_cluster.setdefault(binding.cluster, []).append(
            (binding.namespace, binding.service_account)
        )
    for cluster, pairs in sorted(by_cluster.items()):
        _bindings(role, cluster, pairs, problems, path)
        if not dns_label(cluster):
            problems.add(
                role,
                f"{path}.bindings",
                f"cluster '{cluster}' cannot name a Vault auth mount (expected letters, digits "
                "and '-')",
            )
    if len(problems.problems) > before:
        return
    folder = f"vault/{role.vault}"
    where = [origin("vault_roles", role, role.name, root)] + [
        origin("credentials", blueprint.get("credentials", c), c, root)
        for c in role.credentials
        if blueprint.get("credentials", c) is not None
    ]
    compiled.add(OutputFile(f"{folder}/policies/{role.name}.hcl", where, "\n".join(blocks)))
    for cluster, pairs in sorted(by_cluster.items()):
        document = {
            "bound_service_account_names": sorted({sa for _, sa in pairs}),
            "bound_service_account_namespaces": sorted({ns for ns, _ in pairs}),
            "token_policies": [role.name],
            "token_ttl": role.token_ttl,
        }
        compiled.add(
            OutputFile(
                f"{folder}/auth/kubernetes-{cluster}/role/{role.name}.json",
                [origin("vault_roles", role, role.name, root)],
                to_json(document),
            )
        )


def _covers(bound: str, value: str) -> bool:
    return bound == "*" or bound == value


def _bindings(
    role: VaultRole,
    cluster: str,
    pairs: list[tuple[str, str]],
    problems: Unsupported,
    path: str,
) -> None:
    """Refuse bindings one Vault role of one mount cannot hold exactly."""
    for namespace, account in pairs:
        for value in (namespace, account):
            if "*" in value and value != "*":
                problems.add(
                    role,
                    f"{path}.bindings",
                    f"binding '{namespace}/{account}' on cluster '{cluster}': '{value}' is a "
                    "pattern; only '*' (every name) is documented for a Kubernetes auth role "
                    "(expected a name or '*')",
                )
                return
        if namespace == "*" and account == "*":
            problems.add(
                role,
                f"{path}.bindings",
                f"binding '*/*' on cluster '{cluster}': Vault refuses a role whose bound names "
                "and namespaces are both '*' (expected a namespace or a service account)",
            )
            return
    names = sorted({sa for _, sa in pairs})
    namespaces = sorted({ns for ns, _ in pairs})
    for field, values in (("names", names), ("namespaces", namespaces)):
        if "*" in values and len(values) > 1:
            problems.add(
                role,
                f"{path}.bindings",
                f"the bindings of cluster '{cluster}' would bind service account {field} "
                f"{values}: Vault refuses '*' mixed with values in one role (expected one role "
                "per binding)",
            )
            return
    for namespace in namespaces:
        for account in names:
            if not any(_covers(n, namespace) and _covers(a, account) for n, a in pairs):
                problems.add(
                    role,
                    f"{path}.bindings",
                    f"the bindings of cluster '{cluster}' are not every pair of their "
                    f"namespaces and service accounts: one Vault role would also admit "
                    f"'{account}' in '{namespace}' (expected one role per binding, or "
                    "bindings that pair every namespace with every service account)",
                )
                return
