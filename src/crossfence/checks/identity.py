"""Credential checks: Vault roles bound to every service account, deploy and run-time credentials mixed."""

from __future__ import annotations

from collections.abc import Iterator

from .base import Check, Context, Finding, ref, register

__all__: list[str] = []


@register(
    "identity.vault-role-any-service-account",
    "critical",
    "Vault role bound to every service account",
    "A role bound to `*` lets any pod of the cluster (or of a namespace) log in and read the "
    "role's credentials: one compromised pod holds them all.",
    "Bind the role to the one namespace and service account that needs it.",
)
def any_service_account(context: Context, check: Check) -> Iterator[Finding]:
    for role in context.blueprint.vault_roles:
        wide = [b for b in role.bindings if "*" in (b.namespace, b.service_account)]
        if not wide:
            continue
        who = ", ".join(f"{b.cluster}/{b.namespace}/{b.service_account}" for b in wide)
        objects = [ref("vault-role", role)]
        objects += [
            ref("credential", c)
            for c in (context.blueprint.get("credentials", n) for n in role.credentials)
            if c is not None
        ]
        yield check.finding(
            f"Vault role {role.name} (credentials: {', '.join(role.credentials)}) is bound to {who}",
            objects,
        )


@register(
    "identity.deploy-and-runtime-credentials-shared",
    "high",
    "Deploy-time and run-time credentials on one role",
    "CI deploys, applications run: a role (or a service account) that reads both kinds lets a "
    "compromised application change the infrastructure, or CI read application data.",
    "Give deploy and run-time credentials separate roles, bound to separate service accounts.",
)
def shared_credentials(context: Context, check: Check) -> Iterator[Finding]:
    usage: dict[str, str] = {c.name: c.usage for c in context.blueprint.credentials}
    for role in context.blueprint.vault_roles:
        kinds = {usage.get(name) for name in role.credentials} - {None}
        if len(kinds) > 1:
            yield check.finding(
                f"Vault role {role.name} reads deploy and run-time credentials "
                f"({', '.join(role.credentials)})",
                [ref("vault-role", role)],
            )
    bound: dict[tuple[str, str, str], list[str]] = {}
    for role in context.blueprint.vault_roles:
        for binding in role.bindings:
            if "*" in (binding.namespace, binding.service_account):
                continue  # reported by identity.vault-role-any-service-account
            key = (binding.cluster, binding.namespace, binding.service_account)
            bound.setdefault(key, []).append(role.name)
    roles = {r.name: r for r in context.blueprint.vault_roles}
    for (cluster, namespace, account), names in bound.items():
        kinds = {usage.get(c) for n in names for c in roles[n].credentials} - {None}
        if len(names) > 1 and len(kinds) > 1:
            yield check.finding(
                f"service account {cluster}/{namespace}/{account} logs in with roles "
                f"{', '.join(names)}: deploy and run-time credentials together",
                [ref("vault-role", roles[n]) for n in names],
            )
