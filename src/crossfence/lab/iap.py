"""IAP in the lab: the external load balancer adds a lab-signed `x-goog-iap-jwt-assertion`, the edge before a workload that verifies it checks it (Envoy `jwt_authn`).

Google's Identity-Aware Proxy signs every request it lets through with an ES256 JWT in the
`x-goog-iap-jwt-assertion` header, issuer `https://cloud.google.com/iap`, audience
`/projects/PROJECT_NUMBER/global/backendServices/SERVICE_ID`, and strips the `x-goog-*` headers a
client sends; the backend verifies the header, payload and signature to be safe from requests
that bypass IAP (https://cloud.google.com/iap/docs/signed-headers-howto). In the lab, Google's
signing key is a P-256 key made per lab with openssl; its public half is a local JWKS.

- An external load balancer with IAP (`iap` on the blueprint's load balancer) is an Envoy that
  first authenticates the user as IAP does: a request needs a bearer token of the lab's user
  (issuer `https://accounts.google.com`, the IAP audience; Envoy `jwt_authn`), else Envoy answers
  401, as IAP answers a programmatic client without credentials
  (https://cloud.google.com/iap/docs/authentication-howto). A request it lets through gets the
  signed header (any the client sent is replaced) and goes to the backend.
- A load balancer in front of a workload that verifies the header (`iap_audience`) is an Envoy
  whose `jwt_authn` filter requires it: issuer, audience, signature (local JWKS) and expiry
  (https://www.envoyproxy.io/docs/envoy/latest/configuration/http/http_filters/jwt_authn_filter);
  a request without it, or with one of another key or past its `exp`, gets 401 (another
  audience: 403). The blueprint puts the check in the workload; the lab makes it at the edge in front of it,
  where the engine's IAP condition applies.

IAP's tokens live ten minutes; Envoy adds a fixed header, so the lab's lives as long as the lab's
certificates (two days).
"""

from __future__ import annotations

import base64
import json
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .envoy import bootstrap, static_cluster, typed
from .plan import IapSpec, Plan
from .system import System

__all__ = [
    "IAP_HEADER",
    "IAP_ISSUER",
    "LIFETIME",
    "USER_ISSUER",
    "LabSigner",
    "assertion_path",
    "iap_claims",
    "is_iap_condition",
    "issue",
    "jwt_config",
    "plan_iap",
    "raw_signature",
    "user_claims",
    "user_token_path",
]

Json = dict[str, Any]

IAP_HEADER = "x-goog-iap-jwt-assertion"
IAP_ISSUER = "https://cloud.google.com/iap"
USER_ISSUER = "https://accounts.google.com"
USER_EMAIL = "user@lab.crossfence.invalid"
LIFETIME = 2 * 24 * 3600
"""Seconds a lab token is valid (the lab's certificates' two days)."""


def is_iap_condition(condition: str) -> bool:
    """Whether an engine condition is IAP's signed header (the engine names the header)."""
    return IAP_HEADER in condition


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def raw_signature(der: bytes) -> bytes:
    """An ECDSA signature as openssl writes it (DER: SEQUENCE of INTEGER r, INTEGER s) in the
    form JWS uses for ES256: r and s, 32 bytes each, big-endian (RFC 7518 section 3.4)."""
    if len(der) < 8 or der[0] != 0x30:
        raise ValueError("not a DER ECDSA signature")
    position = 2 if der[1] < 0x80 else 2 + (der[1] & 0x7F)
    parts = []
    for _ in range(2):
        if der[position] != 0x02:
            raise ValueError("not a DER ECDSA signature")
        length = der[position + 1]
        value = der[position + 2 : position + 2 + length]
        parts.append(int.from_bytes(value, "big").to_bytes(32, "big"))
        position += 2 + length
    return parts[0] + parts[1]


def iap_claims(audience: str, now: int, lifetime: int = LIFETIME) -> Json:
    """The payload IAP signs (the signed-headers page's claims: exp, iat, aud, iss, sub, email)."""
    return {
        "iss": IAP_ISSUER,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "sub": "accounts.google.com:lab-user",
        "email": USER_EMAIL,
    }


def user_claims(audience: str, now: int, lifetime: int = LIFETIME) -> Json:
    """The lab user's credential that the IAP load balancer accepts (a Google identity token)."""
    return {
        "iss": USER_ISSUER,
        "aud": audience,
        "iat": now,
        "exp": now + lifetime,
        "sub": "lab-user",
        "email": USER_EMAIL,
    }


def assertion_path(directory: Path, endpoint: str) -> Path:
    """Where the header an IAP load balancer adds is kept (for probes it sends itself)."""
    return directory / "pki" / f"iap-{endpoint}.jwt"


def user_token_path(directory: Path, endpoint: str) -> Path:
    """Where the lab user's credential for an IAP load balancer is kept."""
    return directory / "pki" / f"user-{endpoint}.jwt"


@dataclass
class LabSigner:
    """The lab's stand-in for Google's signing key: a P-256 key made with openssl, its JWKS,
    and ES256 JWTs signed with it."""

    system: System
    folder: Path
    kid: str = "crossfence-lab"

    @property
    def key(self) -> Path:
        return self.folder / "google-key.pem"

    @property
    def jwks_path(self) -> Path:
        return self.folder / "google-jwks.json"

    def create(self) -> None:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        self.system.run(
            [
                *("openssl", "genpkey", "-algorithm", "EC"),
                *("-pkeyopt", "ec_paramgen_curve:P-256", "-out", str(self.key)),
            ]
        )
        self.system.write(self.jwks_path, json.dumps(self.jwks()))

    def jwks(self) -> Json:
        """The public key as a JWK Set (RFC 7517: kty EC, crv P-256, x and y)."""
        text = self.system.run(["openssl", "pkey", "-in", str(self.key), "-noout", "-text_pub"])
        found = re.search(r"pub:\s*([0-9a-f:\s]+?)\s*ASN1 OID", text.stdout, re.S)
        if found is None:
            raise ValueError(f"openssl printed no public key for {self.key}")
        point = bytes.fromhex(re.sub(r"[^0-9a-f]", "", found.group(1)))
        if len(point) != 65 or point[0] != 0x04:
            raise ValueError(f"{self.key}: not an uncompressed P-256 point")
        key = {"kty": "EC", "crv": "P-256", "alg": "ES256", "use": "sig", "kid": self.kid}
        return {"keys": [{**key, "x": _b64(point[1:33]), "y": _b64(point[33:])}]}

    def sign(self, claims: Json) -> str:
        """A compact JWS (ES256) of the claims (RFC 7515)."""
        header = {"alg": "ES256", "typ": "JWT", "kid": self.kid}
        signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(json.dumps(claims).encode())}"
        done = self.system.run(
            ["openssl", "dgst", "-sha256", "-sign", str(self.key), "-hex"], input=signing_input
        )
        der = bytes.fromhex(done.stdout.strip().rsplit("= ", 1)[-1])
        return f"{signing_input}.{_b64(raw_signature(der))}"


def _jwt_filter(provider: str, issuer: str, audience: str, jwks: Path, header: str | None) -> Json:
    config: Json = {
        "issuer": issuer,
        "audiences": [audience],
        "local_jwks": {"filename": str(jwks)},
        "forward": header is not None,
    }
    if header is not None:
        config["from_headers"] = [{"name": header}]
    return {
        "name": "envoy.filters.http.jwt_authn",
        "typed_config": typed(
            "envoy.extensions.filters.http.jwt_authn.v3.JwtAuthentication",
            providers={provider: config},
            rules=[{"match": {"prefix": "/"}, "requires": {"provider_name": provider}}],
        ),
    }


def jwt_config(spec: IapSpec, jwks: Path, admin: Path, assertion: str | None = None) -> str:
    """The Envoy of an IAP load balancer (`assertion`: the header it adds) or of an edge that
    verifies it: HTTP on each frontend, to the backend from the balancer's address."""
    if spec.role == "iap":
        check = _jwt_filter("google_user", USER_ISSUER, spec.audience, jwks, None)
    else:
        check = _jwt_filter("iap", IAP_ISSUER, spec.audience, jwks, IAP_HEADER)
    route: Json = {"match": {"prefix": "/"}, "route": {"cluster": "backend"}}
    if assertion is not None:
        route["request_headers_to_add"] = [
            {
                "header": {"key": IAP_HEADER, "value": assertion},
                "append_action": "OVERWRITE_IF_EXISTS_OR_ADD",
            }
        ]
    manager = typed(
        "envoy.extensions.filters.network.http_connection_manager.v3.HttpConnectionManager",
        stat_prefix=spec.role,
        route_config={
            "virtual_hosts": [{"name": spec.endpoint, "domains": ["*"], "routes": [route]}]
        },
        http_filters=[
            check,
            {
                "name": "envoy.filters.http.router",
                "typed_config": typed("envoy.extensions.filters.http.router.v3.Router"),
            },
        ],
    )
    listeners = [
        {
            "name": f"frontend_{port}",
            "address": {"socket_address": {"address": address, "port_value": port}},
            "filter_chains": [
                {
                    "filters": [
                        {
                            "name": "envoy.filters.network.http_connection_manager",
                            "typed_config": manager,
                        }
                    ]
                }
            ],
        }
        for address, port in spec.listen
    ]
    # no socket mark: a meshed backend's connection is taken by the ingress gateway's Envoy
    bind = {"source_address": {"address": spec.source or "0.0.0.0", "port_value": 0}}
    cluster = static_cluster("backend", [spec.backend], upstream_bind_config=bind)
    return bootstrap(listeners, [cluster], admin)


def plan_iap(plan: Plan, blueprint: Any) -> None:
    """Load balancers with IAP, and those in front of a workload that verifies IAP's header,
    become Envoys (`plan.iap`) instead of relays (with the mesh: Envoy is at hand)."""
    audiences = {
        lb.name: lb.iap.audience
        for lb in blueprint.load_balancers
        if lb.iap is not None and lb.iap.enabled
    }
    verifying = {w.name: w.iap_audience for w in blueprint.workloads if w.iap_audience}
    backends = {lb.name: [b.target for b in lb.backends] for lb in blueprint.load_balancers}
    kept = []
    for proxy in plan.proxies:
        if proxy.mode != "lb" or proxy.backend is None:
            kept.append(proxy)
            continue
        behind = [verifying[t] for t in backends.get(proxy.endpoint, []) if t in verifying]
        if proxy.endpoint in audiences:
            role, audience = "iap", audiences[proxy.endpoint]
        elif behind:
            role, audience = "verify", behind[0]
        else:
            kept.append(proxy)
            continue
        plan.iap.append(
            IapSpec(
                proxy.netns,
                proxy.endpoint,
                role,
                proxy.listen,
                proxy.backend,
                proxy.source,
                audience,
            )
        )
    plan.proxies = kept


def issue(signer: LabSigner, spec: IapSpec, directory: Path, now: int | None = None) -> str | None:
    """The tokens of one IAP load balancer (its header, the lab user's credential), kept in the
    lab's folder; the header it adds (None for an edge that verifies)."""
    if spec.role != "iap":
        return None
    moment = int(time.time()) if now is None else now
    assertion = signer.sign(iap_claims(spec.audience, moment))
    signer.system.write(assertion_path(directory, spec.endpoint), assertion)
    user = signer.sign(user_claims(spec.audience, moment))
    signer.system.write(user_token_path(directory, spec.endpoint), user)
    return assertion
