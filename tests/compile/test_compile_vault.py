"""The vault target: a policy per role and a Kubernetes auth role per cluster, as `vault policy write` and `vault write` take them, and nothing Vault would read wider.

Kubernetes auth roles (https://developer.hashicorp.com/vault/docs/auth/kubernetes,
https://developer.hashicorp.com/vault/api-docs/auth/kubernetes#create-role):
`bound_service_account_names` and `bound_service_account_namespaces` ("If set to "*" all names
are allowed"), `token_policies`, `token_ttl`. A login is admitted when its service account's
name is in the first list and its namespace in the second: every pair of the two lists.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossfence import load
from crossfence.compile import CompileError, compile_blueprint

from .estates import BASE, write

VAULT = """\
  - {name: vault, kind: vm, network: vpc, subnet: nodes-a, addresses: [10.0.0.10], ports: ["tcp/8200"]}
credentials:
  - {name: deployer, cloud: gcp, usage: deploy, vault: vault}
  - {name: user, cloud: gcp, usage: runtime, vault: vault}
vault_roles:
  - name: ci
    vault: vault
    credentials: [deployer]
    token_ttl: 15m
    bindings:
"""


def _estate(bindings: str, ttl: str = "15m") -> str:
    head, tail = BASE.split("global_namespaces:\n")
    text = head + VAULT.replace("token_ttl: 15m", f"token_ttl: {ttl}") + bindings
    return text + "global_namespaces:\n" + tail


def _compile(tmp_path: Path, bindings: str, ttl: str = "15m") -> dict[str, str]:
    blueprint = load(write(tmp_path / "estate", _estate(bindings, ttl)))
    compiled = compile_blueprint(blueprint, ["vault"])
    return {path: f.content().decode() for path, f in compiled.files.items()}


def _error(tmp_path: Path, bindings: str, ttl: str = "15m") -> str:
    with pytest.raises(CompileError) as raised:
        _compile(tmp_path, bindings, ttl)
    (problem,) = raised.value.problems
    return problem.message


ONE = "      - {cluster: east, namespace: ci, service_account: runner}\n"


def test_a_role_is_its_policy_and_its_auth_role(tmp_path: Path) -> None:
    files = _compile(tmp_path, ONE)
    assert sorted(files) == [
        "vault/vault/auth/kubernetes-east/role/ci.json",
        "vault/vault/policies/ci.hcl",
    ]
    role = json.loads(files["vault/vault/auth/kubernetes-east/role/ci.json"])
    assert role.pop("//")[0] == "Compiled by crossfence from the blueprint objects:"
    assert role == {
        "bound_service_account_names": ["runner"],
        "bound_service_account_namespaces": ["ci"],
        "token_policies": ["ci"],
        "token_ttl": "15m",
    }


def test_the_policy_reads_the_credentials_kv2_data_path(tmp_path: Path) -> None:
    """A policy's `path` block with `capabilities = ["read"]`
    (https://developer.hashicorp.com/vault/docs/concepts/policies); KV version 2 reads a secret
    under its mount's `data/` prefix (https://developer.hashicorp.com/vault/docs/secrets/kv/kv-v2)."""
    policy = _compile(tmp_path, ONE)["vault/vault/policies/ci.hcl"]
    assert policy.endswith('path "secret/data/gcp/deployer" {\n  capabilities = ["read"]\n}\n')
    assert "user" not in policy.split("\n", 3)[-1]  # the other credential is not granted


def test_bindings_on_two_clusters_are_two_mounts(tmp_path: Path) -> None:
    files = _compile(
        tmp_path, ONE + "      - {cluster: west, namespace: shop, service_account: api}\n"
    )
    assert "vault/vault/auth/kubernetes-west/role/ci.json" in files


def test_bindings_that_are_every_pair_share_one_role(tmp_path: Path) -> None:
    bindings = "".join(
        f"      - {{cluster: east, namespace: {ns}, service_account: {sa}}}\n"
        for ns in ("a", "b")
        for sa in ("x", "y")
    )
    role = json.loads(_compile(tmp_path, bindings)["vault/vault/auth/kubernetes-east/role/ci.json"])
    assert role["bound_service_account_names"] == ["x", "y"]
    assert role["bound_service_account_namespaces"] == ["a", "b"]


def test_bindings_that_are_not_every_pair_are_an_error(tmp_path: Path) -> None:
    """(a, x) and (b, y) as one role would also admit x in b and y in a: wider."""
    bindings = (
        "      - {cluster: east, namespace: a, service_account: x}\n"
        "      - {cluster: east, namespace: b, service_account: y}\n"
    )
    assert "one Vault role would also admit 'y' in 'a'" in _error(tmp_path, bindings)


def test_both_lists_star_is_an_error(tmp_path: Path) -> None:
    """Vault refuses it: "service_account_names and service_account_namespaces can not both be
    \"*\"" (hashicorp/vault-plugin-auth-kubernetes, path_role.go)."""
    bindings = "      - {cluster: east, namespace: '*', service_account: '*'}\n"
    assert "Vault refuses a role whose bound names and namespaces are both '*'" in _error(
        tmp_path, bindings
    )


def test_star_mixed_with_names_is_an_error(tmp_path: Path) -> None:
    """Vault refuses it: "can not mix \"*\" with values" (path_role.go)."""
    bindings = (
        "      - {cluster: east, namespace: ci, service_account: '*'}\n"
        "      - {cluster: east, namespace: ci, service_account: runner}\n"
    )
    assert "Vault refuses '*' mixed with values" in _error(tmp_path, bindings)


def test_a_pattern_is_an_error(tmp_path: Path) -> None:
    bindings = "      - {cluster: east, namespace: ci, service_account: 'run*'}\n"
    assert "'run*' is a pattern" in _error(tmp_path, bindings)


def test_a_ttl_vault_cannot_read_is_an_error(tmp_path: Path) -> None:
    assert "token_ttl 'an hour' is not a duration Vault reads" in _error(tmp_path, ONE, "an hour")


@pytest.mark.parametrize(
    ("written", "ttl"), [("'3600'", "3600"), ("1h", "1h"), ("1h30m", "1h30m"), ("7d", "7d")]
)
def test_durations_vault_reads(tmp_path: Path, written: str, ttl: str) -> None:
    role = _compile(tmp_path, ONE, written)["vault/vault/auth/kubernetes-east/role/ci.json"]
    assert json.loads(role)["token_ttl"] == ttl


def test_a_credential_another_vault_holds_is_an_error(tmp_path: Path) -> None:
    """A policy is a Vault's own: it cannot grant a secret another Vault keeps."""
    text = _estate(ONE).replace(
        "  - {name: deployer, cloud: gcp, usage: deploy, vault: vault}\n",
        "  - {name: deployer, cloud: gcp, usage: deploy, vault: vault-2}\n",
    )
    text = text.replace(
        "credentials:\n",
        "  - {name: vault-2, kind: vm, network: vpc, subnet: nodes-b, addresses: [10.0.1.10]}\n"
        "credentials:\n",
        1,
    )
    with pytest.raises(CompileError) as raised:
        compile_blueprint(load(write(tmp_path / "estate", text)), ["vault"])
    (problem,) = raised.value.problems
    assert "credential 'deployer' is held by Vault 'vault-2', not by 'vault'" in problem.message
