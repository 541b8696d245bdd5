"""The kubernetes and istio targets write the objects Istio and Kubernetes document for what the blueprint says, and refuse what they cannot express."""

from __future__ import annotations

from pathlib import Path

import pytest

from crossfence import load
from crossfence.compile import CompileError, compile_blueprint
from crossfence.providers.kubernetes import load_manifests

from .estates import BASE, write

WEST_GATEWAY = "      east_west_gateway: {address: 10.0.1.100}\n"


def _files(tmp_path: Path, text: str = BASE, targets: tuple[str, ...] = ("kubernetes", "istio")):
    blueprint = load(write(tmp_path / "estate", text))
    return compile_blueprint(blueprint, targets)


def _loaded(tmp_path: Path, compiled, path: str):
    """A compiled file read by crossfence's own manifest reader."""
    target = tmp_path / "out" / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(compiled.files[path].content())
    return load_manifests(target)


def test_a_global_policy_is_an_authorization_policy_on_its_destination(tmp_path: Path) -> None:
    """Istio's AuthorizationPolicy (https://istio.io/latest/docs/reference/config/security/authorization-policy/):
    `selector.matchLabels` picks the workload, `from.source.principals` are the SPIFFE identities
    `<trust domain>/ns/<namespace>/sa/<service account>`, `to.operation` the ports (strings),
    methods and paths. Only the destination's cluster gets it."""
    compiled = _files(tmp_path)
    west = _loaded(tmp_path, compiled, "istio/west/authorization-policies.yaml")
    policies = {p.name: p for p in west.authorization_policies}
    policy = policies["mesh-web-to-api"]
    assert (policy.namespace, policy.selector, policy.action) == ("shop", {"app": "api"}, "ALLOW")
    (rule,) = policy.rules
    assert rule.sources[0].values == {"principals": ("example.eu/ns/shop/sa/web",)}
    assert rule.operations[0].values == {
        "ports": ("8443",),
        "methods": ("GET",),
        "paths": ("/api/*",),
    }
    east = _loaded(tmp_path, compiled, "istio/east/authorization-policies.yaml")
    assert [p.name for p in east.authorization_policies] == ["mesh-default-deny"]


def test_default_deny_is_the_documented_allow_nothing_policy(tmp_path: Path) -> None:
    """ "allow-nothing": an ALLOW policy that matches nothing; with no other ALLOW policy every
    request is denied (https://istio.io/latest/docs/reference/config/security/authorization-policy/)."""
    compiled = _files(tmp_path)
    text = compiled.files["istio/east/authorization-policies.yaml"].content().decode()
    assert "name: mesh-default-deny\n  namespace: shop\nspec:\n  action: ALLOW\n" in text
    assert "rules" not in text
    allow_all = BASE.replace("    policies:\n", "    default_action: allow\n    policies:\n")
    compiled = _files(tmp_path / "allow", allow_all)
    assert "istio/east/authorization-policies.yaml" not in compiled.files


def test_mtls_modes_are_peer_authentications_mesh_then_namespace(tmp_path: Path) -> None:
    """PeerAuthentication (https://istio.io/latest/docs/reference/config/security/peer_authentication/):
    a policy in the root namespace `istio-system` without a selector is mesh-wide; one in a
    namespace without a selector is namespace-wide. The cluster's `mesh.mtls_mode` is the first,
    a global namespace's `mtls_mode` (default STRICT) the second, in every member."""
    compiled = _files(tmp_path)
    west = _loaded(tmp_path, compiled, "istio/west/peer-authentications.yaml")
    modes = {(p.namespace, p.name, p.selector): p.mode for p in west.peer_authentications}
    assert modes == {
        ("istio-system", "mesh-default", None): "PERMISSIVE",
        ("shop", "mesh-mtls", None): "STRICT",
    }


def test_the_east_west_gateway_exposes_the_member_namespaces(tmp_path: Path) -> None:
    """Istio's multi-network installation exposes services through the east-west gateway with a
    Gateway on port 15443, `tls.mode: AUTO_PASSTHROUGH`, selector `istio: eastwestgateway`
    (https://istio.io/latest/docs/setup/install/multicluster/multi-primary_multi-network/,
    samples/multicluster/expose-services.yaml); the hosts are narrowed to the namespaces the
    blueprint sends through it."""
    text = _files(tmp_path).files["istio/east/east-west-gateway.yaml"].content().decode()
    assert text.endswith(
        "apiVersion: networking.istio.io/v1\nkind: Gateway\nmetadata:\n"
        "  name: cross-network-gateway\n  namespace: istio-system\nspec:\n  selector:\n"
        "    istio: eastwestgateway\n  servers:\n    - port:\n        number: 15443\n"
        "        name: tls\n        protocol: TLS\n      tls:\n        mode: AUTO_PASSTHROUGH\n"
        '      hosts:\n        - "*.shop.svc.cluster.local"\n'
    )


def test_namespaces_carry_their_labels_and_injection(tmp_path: Path) -> None:
    """Sidecar injection is the namespace label `istio-injection=enabled`
    (https://istio.io/latest/docs/setup/additional-setup/sidecar-injection/); NetworkPolicy
    namespace selectors read the other labels."""
    compiled = _files(tmp_path)
    east = _loaded(tmp_path, compiled, "kubernetes/east/namespaces.yaml")
    labels = dict(east.namespaces["shop"].labels)
    assert labels == {
        "kubernetes.io/metadata.name": "shop",
        "team": "shop",
        "istio-injection": "enabled",
    }


def test_every_file_names_where_it_came_from(tmp_path: Path) -> None:
    compiled = _files(tmp_path)
    text = compiled.files["istio/west/authorization-policies.yaml"].content().decode()
    assert text.startswith(
        "# Compiled by crossfence from the blueprint objects:\n"
        "#   global_namespaces mesh (estate.yaml:39)\n"
        "#   global_namespaces mesh.policies.web-to-api (estate.yaml:45)\n"
    )


def _error(tmp_path: Path, text: str) -> str:
    with pytest.raises(CompileError) as raised:
        _files(tmp_path, text)
    return "\n".join(str(p) for p in raised.value.problems)


def test_a_source_without_a_mesh_identity_is_an_error(tmp_path: Path) -> None:
    """Principals come from the peer's mTLS certificate: a VM has none, so no rule can name it."""
    text = BASE.replace("sources: [web]", "sources: [db]")
    assert _error(tmp_path, text) == (
        f"{tmp_path}/estate/estate.yaml:45:9: global_namespaces[0].policies[0]: global policy "
        "'web-to-api' of 'mesh': source 'db' is a vm workload, and Istio matches a source by "
        "the mTLS identity only pods in the mesh have (expected pods workloads as sources)"
    )


def test_a_destination_without_labels_is_an_error(tmp_path: Path) -> None:
    """A selector without labels would select the whole namespace: wider than the workload."""
    text = BASE.replace("service_account: api, labels: {app: api}, ", "service_account: api, ")
    assert "its destination 'api' has no labels" in _error(tmp_path, text)


def test_a_name_kubernetes_refuses_is_an_error(tmp_path: Path) -> None:
    text = BASE.replace("name: web-to-api", "name: web_to_api")
    assert "'shop/mesh-web_to_api' is not a Kubernetes object name" in _error(tmp_path, text)


def test_an_object_of_the_clusters_own_manifests_is_never_overwritten(tmp_path: Path) -> None:
    folder = tmp_path / "estate" / "manifests" / "west"
    folder.mkdir(parents=True)
    (folder / "authz.yaml").write_text(
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        "metadata: {name: mesh-web-to-api, namespace: shop}\nspec: {action: DENY}\n",
        encoding="utf-8",
    )
    text = BASE.replace(WEST_GATEWAY, WEST_GATEWAY + "    manifests: [manifests/west]\n")
    assert "AuthorizationPolicy 'shop/mesh-web-to-api' is also in the cluster's own manifests" in (
        _error(tmp_path, text)
    )


def test_a_namespace_the_own_manifests_declare_otherwise_is_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "estate" / "manifests" / "west"
    folder.mkdir(parents=True)
    (folder / "ns.yaml").write_text(
        "apiVersion: v1\nkind: Namespace\nmetadata: {name: shop, labels: {team: other}}\n",
        encoding="utf-8",
    )
    text = BASE.replace(WEST_GATEWAY, WEST_GATEWAY + "    manifests: [manifests/west]\n")
    assert "namespace 'shop' is also declared by the cluster's own manifests" in _error(
        tmp_path, text
    )


def test_a_policy_no_sidecar_enforces_is_a_warning(tmp_path: Path) -> None:
    text = BASE.replace("destination: api, ports", "destination: db, ports")
    compiled = _files(tmp_path, text)
    (warning,) = compiled.warnings
    assert "its destination 'db' is a vm, with no sidecar to enforce it" in str(warning)
    assert "mesh-web-to-api" not in compiled.files["istio/west/authorization-policies.yaml"].body
