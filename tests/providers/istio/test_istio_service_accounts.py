"""AuthorizationPolicy `serviceAccounts` / `notServiceAccounts`, as Istio documents and builds them.

Reference, Source (https://istio.io/latest/docs/reference/config/security/authorization-policy/#Source):
`serviceAccounts`: "A list of Kubernetes service accounts derived from the peer certificate. This
field requires mTLS enabled and is the same as the `source.serviceaccount` attribute. This takes
the format `<namespace>/<serviceaccount>`. `<serviceaccount>` may also be used to use the same
namespace as the `AuthorizationPolicy`. ... No form of wildcard (`*`) is allowed. Cannot be set
with `principals` or `namespaces`." `notServiceAccounts`: "A list of negative match of Kubernetes
service accounts."
Istio's matcher (istio/istio pilot/pkg/security/authz/model/generator.go, `serviceAccountRegex`):
`spiffe://.+/ns/<namespace>/(.+/|)sa/<serviceaccount>(/.+)?`, "'spiffe://' then a trust domain +
arbitrary k/v pairs": any trust domain. Its validation (pkg/config/security `CheckServiceAccount`,
pkg/config/validation): "may not have more than 16 values", "wildcard not allowed", "expected
format 'serviceAccount' or 'namespace/serviceAccount'", "value cannot exceed 320 characters",
"cannot set serviceAccounts with namespaces or principals", and "From.ServiceAccounts is
currently not supported with CUSTOM action".
Each test asks `reach` on a folder of manifests (what `crossfence reach DIR` answers), or the
layered matrix of a blueprint estate.
"""

from __future__ import annotations

import shutil
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from crossfence import build_topology, load
from crossfence.engine.layered_matrix import layered_connectivity
from crossfence.engine.layers import layered_reach
from crossfence.engine.manifest_reach import manifest_reach
from crossfence.engine.reach import Reach
from crossfence.errors import ManifestError
from crossfence.providers.kubernetes import Cluster, load_manifests

# `server` (account server) and `client` (account client) in the injected namespace `foo`,
# `other` (account other) in the injected `bar`, `plain` in `legacy` without a sidecar.
# 9000 is declared TCP.
BASE = """
apiVersion: v1
kind: Namespace
metadata: {name: istio-system}
---
apiVersion: v1
kind: Namespace
metadata: {name: foo, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: bar, labels: {istio-injection: enabled}}
---
apiVersion: v1
kind: Namespace
metadata: {name: legacy}
---
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: foo, labels: {app: server}}
spec:
  serviceAccountName: server
  containers: [{name: s, image: s, ports: [{containerPort: 9000}]}]
status: {podIP: 10.1.0.10}
---
apiVersion: v1
kind: Service
metadata: {name: server, namespace: foo}
spec:
  selector: {app: server}
  ports: [{name: tcp-data, port: 9000}]
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: foo, labels: {app: client}}
spec: {serviceAccountName: client, containers: [{name: c, image: c}]}
status: {podIP: 10.1.0.20}
---
apiVersion: v1
kind: Pod
metadata: {name: other, namespace: bar, labels: {app: other}}
spec: {serviceAccountName: other, containers: [{name: c, image: c}]}
status: {podIP: 10.1.1.20}
---
apiVersion: v1
kind: Pod
metadata: {name: plain, namespace: legacy, labels: {app: plain}}
spec: {containers: [{name: c, image: c}]}
status: {podIP: 10.1.2.20}
"""

STRICT_MESH = """
apiVersion: security.istio.io/v1
kind: PeerAuthentication
metadata: {name: default, namespace: istio-system}
spec: {mtls: {mode: STRICT}}
---
"""

Folder = Callable[[str], Cluster]


@pytest.fixture
def folder(tmp_path: Path) -> Folder:
    """A folder of manifests: BASE and `extra`, one file each."""
    counter = iter(range(1000))

    def make(extra: str) -> Cluster:
        where = tmp_path / f"cluster-{next(counter)}"
        where.mkdir()
        (where / "base.yaml").write_text(BASE, encoding="utf-8")
        (where / "policies.yaml").write_text(textwrap.dedent(extra).strip() + "\n", "utf-8")
        return load_manifests(where)

    return make


def policy(name: str, spec: str, namespace: str = "foo") -> str:
    return (
        "apiVersion: security.istio.io/v1\nkind: AuthorizationPolicy\n"
        f"metadata: {{name: {name}, namespace: {namespace}}}\nspec: {spec}\n---\n"
    )


def ask(cluster: Cluster, src: str) -> Reach:
    return manifest_reach(cluster, src, "foo/server", "tcp/9000")


def test_allow_service_accounts_under_strict(folder: Folder) -> None:
    """Reference, `serviceAccounts` "derived from the peer certificate", `<namespace>/<sa>`:
    under STRICT mTLS an ALLOW naming `bar/other` lets `bar/other` in and nobody else (another
    account of the same namespace, `foo/client`, is not named; `legacy/plain` has no sidecar
    and STRICT rejects it)."""
    cluster = folder(
        STRICT_MESH
        + policy("from-other", "{rules: [{from: [{source: {serviceAccounts: [bar/other]}}]}]}")
    )
    assert ask(cluster, "bar/other").allowed
    assert ask(cluster, "foo/client").disposition == "DENIED_MESH_AUTHORIZATION"
    assert ask(cluster, "legacy/plain").disposition == "DENIED_MESH_MTLS"


def test_allow_service_accounts_under_permissive_refuses_plaintext(folder: Folder) -> None:
    """Reference: the field "requires mTLS enabled"; Concepts, "Dependency on mutual TLS"
    (https://istio.io/latest/docs/concepts/security/#dependency-on-mutual-tls): with PERMISSIVE,
    identity fields risk "unexpected requests rejection or policy bypass of plain text
    traffic". A plaintext client (no sidecar) presents no certificate, so no service account:
    PERMISSIVE lets its connection through mTLS, and the ALLOW naming only meshed accounts
    rejects it. Naming the plaintext pod's own account (`legacy/default`) does not help it."""
    cluster = folder(
        policy(
            "from-other",
            "{rules: [{from: [{source: {serviceAccounts: [bar/other, legacy/default]}}]}]}",
        )
    )
    assert ask(cluster, "bar/other").allowed
    plain = ask(cluster, "legacy/plain")
    assert plain.disposition == "DENIED_MESH_AUTHORIZATION"


def test_short_form_names_the_policy_namespace(folder: Folder) -> None:
    """Reference: "`<serviceaccount>` may also be used to use the same namespace as the
    `AuthorizationPolicy`": `client` in a policy of namespace foo is `foo/client`, and does not
    admit an account named client elsewhere."""
    cluster = folder(
        policy("from-client", "{rules: [{from: [{source: {serviceAccounts: [client]}}]}]}")
    )
    assert ask(cluster, "foo/client").allowed
    assert not ask(cluster, "bar/other").allowed
    other = folder(
        policy("from-other", "{rules: [{from: [{source: {serviceAccounts: [other]}}]}]}")
    )
    assert not ask(other, "bar/other").allowed  # `other` is foo/other here


def test_deny_not_service_accounts_denies_plaintext(folder: Folder) -> None:
    """`notServiceAccounts`, "A list of negative match of Kubernetes service accounts", is built
    as Envoy's negated principal matcher, as `notPrincipals` is (generator.go: the same
    `principalAuthenticated` matcher under `not_id`): a peer without a certificate is not
    `foo/client`, so a DENY on `notServiceAccounts: [foo/client]` denies plaintext too, and
    every meshed account but foo/client."""
    cluster = folder(
        policy(
            "only-client",
            "{action: DENY, rules: [{from: [{source: {notServiceAccounts: [foo/client]}}]}]}",
        )
    )
    assert ask(cluster, "foo/client").allowed
    assert ask(cluster, "bar/other").disposition == "DENIED_MESH_AUTHORIZATION"
    assert ask(cluster, "legacy/plain").disposition == "DENIED_MESH_AUTHORIZATION"


def test_deny_service_accounts_does_not_stop_plaintext(folder: Folder) -> None:
    """Concepts, "Dependency on mutual TLS": a DENY on an identity is bypassed by plaintext
    under PERMISSIVE ("policy bypass of plain text traffic"): a DENY naming `legacy/default`
    and `bar/other` stops bar/other (mTLS) but not legacy/plain (plaintext), though it names
    that pod's account."""
    cluster = folder(
        policy(
            "deny",
            "{action: DENY, rules: [{from: [{source: {serviceAccounts: [legacy/default, bar/other]}}]}]}",
        )
    )
    assert ask(cluster, "legacy/plain").allowed
    assert not ask(cluster, "bar/other").allowed
    assert ask(cluster, "foo/client").allowed


def test_the_account_is_matched_whole(folder: Folder) -> None:
    """generator.go: "Either end of string OR / + arbitrary k/v pairs (the / ensures we do not
    match <service account>-some-junk)"; the namespace and account are quoted (`QuoteMeta`,
    since the fix of CVE-2026-39350): `bar/othe` and `bar/o.her` do not name `bar/other`."""
    cluster = folder(
        policy("near", "{rules: [{from: [{source: {serviceAccounts: [bar/othe, bar/o.her]}}]}]}")
    )
    assert not ask(cluster, "bar/other").allowed
    assert any("CVE-2026-39350" in w.message for w in cluster.warnings)


@pytest.mark.parametrize(
    ("source", "where", "what"),
    [
        ("{serviceAccounts: ['bar/*']}", "serviceAccounts[0]", "wildcard"),
        ("{notServiceAccounts: ['*']}", "notServiceAccounts[0]", "wildcard"),
        ("{serviceAccounts: [a/b/c]}", "serviceAccounts[0]", "more than one '/'"),
        ("{serviceAccounts: [/sa]}", "serviceAccounts[0]", "empty namespace"),
        ("{serviceAccounts: [ns/]}", "serviceAccounts[0]", "empty service account"),
        ("{serviceAccounts: ['']}", "serviceAccounts[0]", "empty value"),
        ("{serviceAccounts: [ns/" + "a" * 318 + "]}", "serviceAccounts[0]", "320"),
        (
            "{serviceAccounts: [" + ", ".join(f"ns/sa{i}" for i in range(17)) + "]}",
            "serviceAccounts",
            "at most 16",
        ),
        (
            "{serviceAccounts: [bar/other], principals: [cluster.local/ns/bar/sa/other]}",
            "serviceAccounts",
            "cannot be set with principals",
        ),
        (
            "{notServiceAccounts: [bar/other], notNamespaces: [foo]}",
            "notServiceAccounts",
            "cannot be set with notNamespaces",
        ),
        ("{serviceAccount: [bar/other]}", "serviceAccount", "unknown field"),
    ],
)
def test_what_istio_refuses_is_refused_where_it_is(
    folder: Folder, source: str, where: str, what: str
) -> None:
    """Istio's validation (pkg/config/security `CheckServiceAccount`: "may not have more than
    16 values", "empty value not allowed", "wildcard not allowed", "expected format
    'serviceAccount' or 'namespace/serviceAccount'", "value cannot exceed 320 characters";
    pkg/config/validation: "cannot set serviceAccounts with namespaces or principals"), the
    reference ("No form of wildcard (`*`) is allowed. Cannot be set with `principals` or
    `namespaces`."): each a located error, never a policy read some other way."""
    with pytest.raises(ManifestError) as error:
        folder(policy("invalid", f"{{rules: [{{from: [{{source: {source}}}]}}]}}"))
    message = str(error.value)
    assert "policies.yaml:4:" in message  # the line of `spec`, in the file that holds it
    assert f"spec.rules[0].from[0].source.{where}:" in message
    assert what in message


@pytest.mark.parametrize(
    "rule",
    [
        "{from: [{source: {serviceAccounts: [bar/other]}}]}",
        "{from: [{source: {notServiceAccounts: [bar/other]}}]}",
        "{from: [{source: {principals: [cluster.local/ns/bar/sa/other]}}]}",
        "{when: [{key: source.serviceAccount, values: [bar/other]}]}",
    ],
)
def test_custom_policies_refuse_identities(folder: Folder, rule: str) -> None:
    """Istio's validation (pkg/config/validation, ValidateAuthorizationPolicy) refuses, in a
    CUSTOM policy, "From.ServiceAccounts", "From.NotServiceAccounts", "From.Principals" (and
    the namespaces and request principals) and `when` on `source.serviceAccount` (and
    `source.namespace`, `source.principal`, `request.auth.*`): "%s is currently not supported
    with CUSTOM action"."""
    with pytest.raises(ManifestError) as error:
        folder(policy("ext", f"{{action: CUSTOM, provider: {{name: opa}}, rules: [{rule}]}}"))
    assert "CUSTOM action" in str(error.value)


# -- a blueprint estate: the example, with a policy in customer-api's cluster -----------------

EXAMPLE = Path(__file__).resolve().parents[3] / "examples" / "eu-sovereign"


def _estate(tmp_path: Path, manifest: str) -> Path:
    """The example (trust domain example.eu) with one more manifest beside kapsule-eu's."""
    estate = tmp_path / "estate"
    shutil.copytree(EXAMPLE, estate, ignore=shutil.ignore_patterns("variants"))
    (estate / "manifests" / "kapsule-eu" / "extra.yaml").write_text(
        textwrap.dedent(manifest), encoding="utf-8"
    )
    return estate


def test_service_accounts_match_in_any_trust_domain(tmp_path: Path) -> None:
    """generator.go builds `spiffe://.+/ns/<namespace>/(.+/|)sa/<serviceaccount>(/.+)?` ("a
    trust domain + arbitrary k/v pairs"): the entry `web/frontend` matches frontend's identity
    `example.eu/ns/web/sa/frontend` though it names no trust domain, where the principal
    `cluster.local/ns/web/sa/frontend` does not. A DENY on it stops frontend → customer-api
    tcp/8443 in `reach` and in the matrix; the same DENY on that principal stops nothing."""
    deny = """
        apiVersion: security.istio.io/v1
        kind: AuthorizationPolicy
        metadata: {name: no-frontend, namespace: shop}
        spec:
          selector: {matchLabels: {app: customer-api}}
          action: DENY
          rules: [{from: [{source: {%s: [%s]}}]}]
        """
    by_account = build_topology(
        load(_estate(tmp_path / "a", deny % ("serviceAccounts", "web/frontend")))
    )
    answer = layered_reach(by_account, "frontend", "customer-api", "tcp/8443")
    assert not answer.allowed
    assert answer.disposition == "DENIED_MESH_AUTHORIZATION"
    assert (
        layered_connectivity(by_account).verdict("frontend", "customer-api", "tcp", 8443)
        == "denied"
    )
    by_principal = build_topology(
        load(_estate(tmp_path / "b", deny % ("principals", "cluster.local/ns/web/sa/frontend")))
    )
    assert layered_reach(by_principal, "frontend", "customer-api", "tcp/8443").allowed
    assert (
        layered_connectivity(by_principal).verdict("frontend", "customer-api", "tcp", 8443)
        == "conditional"
    )


def test_the_lab_gives_envoy_istios_matcher(folder: Folder) -> None:
    """The lab's sidecars (`crossfence.lab.mesh`) get the RBAC principal Istio generates
    (generator.go, `serviceAccountRegex`: `spiffe://.+/ns/<ns>/(.+/|)sa/<sa>(/.+)?`, quoted),
    the short form resolved to the policy's namespace and `notServiceAccounts` negated."""
    from crossfence.lab.mesh import rbac

    cluster = folder(
        policy(
            "only",
            "{action: DENY, rules: [{from: [{source: {notServiceAccounts: [client, bar/o.her]}}]}]}",
        )
    )
    server = next(p for p in cluster.pods if p.key == "foo/server")
    text = str(rbac(cluster, server, False).filters)
    assert "'not_id'" in text
    assert r"spiffe://.+/ns/foo/(.+/|)sa/client(/.+)?" in text
    assert r"spiffe://.+/ns/bar/(.+/|)sa/o\\.her(/.+)?" in text
