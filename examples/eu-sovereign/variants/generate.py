"""Generate the seeded-mistake variants of the eu-sovereign example from the base blueprint.

Each variant is a complete blueprint folder: a copy of the base example's YAML files with one
mistake (SCENARIO.md, "What crossfence must say about it") applied as text substitutions. Every
substitution must match exactly once, so a change to the base that a variant depends on fails
here loudly instead of producing a variant without its mistake.

    .venv/bin/python examples/eu-sovereign/variants/generate.py            # rewrite the variants
    .venv/bin/python examples/eu-sovereign/variants/generate.py --out DIR  # write them elsewhere

The generated folders are committed; tests/test_variants.py regenerates them into a temporary
folder and fails when the committed ones differ. Edit this file, never the generated YAML.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
BASE = HERE.parent


@dataclass(frozen=True)
class Edit:
    """Replace `old` (which must occur exactly once in `file`) with `new`."""

    file: str
    old: str
    new: str


@dataclass(frozen=True)
class Variant:
    """One seeded mistake: its name (as in SCENARIO.md), what it seeds and does, and its edits."""

    name: str
    mistake: str
    edits: tuple[Edit, ...]


VARIANTS: tuple[Variant, ...] = (
    Variant(
        "peering-no-export",
        "the hub side of the hub–prod peering does not export custom routes, so the BGP routes "
        "learned from Scaleway never reach spoke-prod: frontend has no route to Scaleway.",
        (
            Edit(
                "gcp-network.yaml",
                "    export_custom_routes: true     # the VPN's dynamic routes reach the prod spoke\n",
                "    export_custom_routes: false    # VARIANT: the VPN's dynamic routes stay in the hub\n",
            ),
        ),
    ),
    Variant(
        "default-advertisement",
        "hub-router in default advertisement mode advertises only the hub's own subnet "
        "(10.0.0.0/24): Scaleway has no route back to the prod spoke (nor to "
        "restricted.googleapis.com or the Cloud DNS forwarding range).",
        (
            Edit(
                "gcp-network.yaml",
                "    advertise_mode: custom\n"
                "    advertised_groups: [all_subnets]\n"
                "    advertised_ranges:\n"
                "      - range: 10.10.0.0/16\n"
                "        description: prod spoke nodes\n"
                "      - range: 10.12.0.0/16\n"
                "        description: prod spoke GKE pods\n"
                "      - range: 199.36.153.4/30\n"
                "        description: restricted.googleapis.com (private API access from Scaleway)\n"
                "      - range: 35.199.192.0/19\n"
                "        description: Cloud DNS forwarding sources\n",
                "    advertise_mode: default   # VARIANT: own subnets only; no groups or ranges "
                "(validation rejects them in default mode)\n",
            ),
        ),
    ),
    Variant(
        "single-tunnel",
        "only tunnel-0 and its BGP session bgp-0 exist: the HA VPN has no second path, so no "
        "high availability (and no 99.99% SLA).",
        (
            Edit(
                "vpn.yaml",
                "  - name: tunnel-1\n"
                "    ike_version: 2\n"
                "    local: {gateway: hub-vpn, interface: 1}\n"
                "    peer: {gateway: scw-vpn, interface: 1}\n"
                "    ike: {encryption: [AES-GCM-16-256], integrity: [], dh_groups: [20]}\n"
                "    esp: {encryption: [AES-GCM-16-256], integrity: [], dh_groups: [20]}\n",
                "  # VARIANT: tunnel-1 (hub-vpn interface 1 <-> scw-vpn interface 1) removed\n",
            ),
            Edit(
                "vpn.yaml",
                "  - name: bgp-1\n"
                "    tunnel: tunnel-1\n"
                "    local: {speaker: hub-router, address: 169.254.1.1/30, advertised_route_priority: 100}\n"
                "    peer: {speaker: scw-vpn, address: 169.254.1.2/30, routing_policy: scw-gcp-policy}\n",
                "  # VARIANT: bgp-1 (169.254.1.0/30 over tunnel-1) removed\n",
            ),
        ),
    ),
    Variant(
        "edge-open",
        "an ACL rule ahead of the Google front-end ranges lets 0.0.0.0/0 reach scw-edge on 443: "
        "any internet client bypasses public-lb and its IAP.",
        (
            Edit(
                "scaleway-network.yaml",
                "      # Only Google front ends may connect: the IAP in front cannot be bypassed.\n"
                "      - name: google-front-ends\n        action: allow\n        index: 1\n",
                "      - name: allow-any            # VARIANT: added ahead of the Google ranges\n"
                "        action: allow\n"
                "        index: 1\n"
                '        ip_ranges: ["0.0.0.0/0"]   # VARIANT: the whole internet reaches :443\n'
                "      # Only Google front ends may connect: the IAP in front cannot be bypassed.\n"
                "      - name: google-front-ends\n"
                "        action: allow\n"
                "        index: 2                   # VARIANT: now evaluated after allow-any\n",
            ),
        ),
    ),
    Variant(
        "db-in-gcp",
        "customer-db (personal_data: stores) is a managed database in GCP's hub subnet "
        "(10.0.0.20) instead of Scaleway's pn-data: personal data is stored in the US "
        "jurisdiction. A hub firewall rule admits the Kapsule pods on 5432, so the global "
        "policy customer-api -> customer-db still holds and the jurisdiction is the only "
        "mistake.",
        (
            Edit(
                "workloads.yaml",
                "  - name: customer-db\n"
                "    kind: vm\n"
                "    network: scw-vpc\n"
                "    subnet: pn-data\n"
                "    addresses: [172.16.8.10]\n"
                "    security_groups: [customer-db-sg]\n",
                "  - name: customer-db\n"
                "    kind: vm\n"
                "    network: hub                # VARIANT: in GCP (US provider), not Scaleway\n"
                "    subnet: hub-ew1             # VARIANT\n"
                "    addresses: [10.0.0.20]      # VARIANT\n"
                "    # VARIANT: no Scaleway security group (the hub firewall rule below admits it)\n",
            ),
            Edit(
                "manifests/kapsule-eu/shop.yaml",
                "        - ipBlock: {cidr: 172.16.8.10/32}    # customer-db\n",
                "        - ipBlock: {cidr: 10.0.0.20/32}      # customer-db (VARIANT: now in GCP)\n",
            ),
            Edit(
                "gcp-network.yaml",
                '        source_ranges: ["10.12.0.0/16"]\n'
                '        target_tags: ["vault"]\n'
                "\n"
                "  - name: spoke-prod\n",
                '        source_ranges: ["10.12.0.0/16"]\n'
                '        target_tags: ["vault"]\n'
                "      # VARIANT: customer-db now lives here; customer-api (Kapsule pods) reaches it\n"
                "      - name: customer-db-from-kapsule\n"
                "        direction: ingress\n"
                "        priority: 1000\n"
                "        action: allow\n"
                '        ports: ["tcp/5432"]\n'
                '        source_ranges: ["100.64.0.0/16"]\n'
                '        destination_ranges: ["10.0.0.20/32"]\n'
                "\n"
                "  - name: spoke-prod\n",
            ),
        ),
    ),
    Variant(
        "no-private-api-route",
        "199.36.153.4/30 (restricted.googleapis.com) is no longer in hub-router's custom "
        "advertisement: Scaleway has no route to it through the VPN, so DLP and backup traffic "
        "would leave over the internet. scw-gcp-policy still accepts the prefix on purpose: "
        "accepting a prefix nobody announces is harmless, and keeping it makes the missing "
        "advertisement the one mistake.",
        (
            Edit(
                "gcp-network.yaml",
                "      - range: 199.36.153.4/30\n"
                "        description: restricted.googleapis.com (private API access from Scaleway)\n",
                "      # VARIANT: 199.36.153.4/30 (restricted.googleapis.com) not advertised\n",
            ),
        ),
    ),
    Variant(
        "backup-plaintext",
        "the customer-db snapshots are not encrypted at the source: plaintext personal data "
        "leaves Scaleway for the dr-backups bucket in GCP.",
        (
            Edit(
                "controls.yaml",
                "    encrypted_at_source: true\n",
                "    encrypted_at_source: false   # VARIANT: shipped as plaintext\n",
            ),
        ),
    ),
    Variant(
        "overlapping-cidr",
        "pn-apps is renumbered into 10.10.0.0/22, inside spoke-prod's prod-nodes 10.10.0.0/20, "
        "with every address, ACL, security group, prefix filter and firewall range that depends "
        "on it updated: the address space overlaps across the VPN (validation warns "
        "overlap-connected).",
        (
            Edit(
                "scaleway-network.yaml",
                "      - name: pn-apps\n        cidr: 172.16.0.0/22\n",
                "      - name: pn-apps\n"
                "        cidr: 10.10.0.0/22     # VARIANT: overlaps spoke-prod prod-nodes 10.10.0.0/20\n",
            ),
            Edit(
                "scaleway-network.yaml",
                "          source: 172.16.0.0/22\n",
                "          source: 10.10.0.0/22   # VARIANT: pn-apps renumbered\n",
            ),
            Edit(
                "scaleway-network.yaml",
                "          destination: 172.16.0.0/22\n",
                "          destination: 10.10.0.0/22   # VARIANT: pn-apps renumbered\n",
            ),
            Edit(
                "scaleway-network.yaml",
                "    private_address: 172.16.0.50\n",
                "    private_address: 10.10.0.50   # VARIANT: pn-apps renumbered\n",
            ),
            Edit(
                "scaleway-network.yaml",
                '        ip_ranges: ["172.16.0.0/22"]\n',
                '        ip_ranges: ["10.10.0.0/22"]   # VARIANT: pn-apps renumbered\n',
            ),
            Edit(
                "scaleway-network.yaml",
                "      - 172.16.0.0/22\n",
                "      - 10.10.0.0/22        # VARIANT: pn-apps renumbered\n",
            ),
            Edit(
                "gcp-network.yaml",
                '        source_ranges: ["172.16.0.0/22", "100.64.0.0/16"]\n',
                '        source_ranges: ["10.10.0.0/22", "100.64.0.0/16"]   # VARIANT: pn-apps renumbered\n',
            ),
            Edit(
                "clusters.yaml",
                "      east_west_gateway: {address: 172.16.0.100, port: 15443}\n",
                "      east_west_gateway: {address: 10.10.1.100, port: 15443}   # VARIANT: pn-apps renumbered\n",
            ),
            Edit(
                "manifests/gke-prod/web.yaml",
                "        - ipBlock: {cidr: 172.16.0.100/32}   # kapsule-eu east-west gateway\n",
                "        - ipBlock: {cidr: 10.10.1.100/32}    # kapsule-eu east-west gateway (VARIANT: renumbered)\n",
            ),
        ),
    ),
    Variant(
        "mtls-permissive",
        "the global namespace shop accepts plaintext (mTLS PERMISSIVE): peers are not "
        "authenticated, so the principal-based global policies cannot be enforced.",
        (
            Edit(
                "clusters.yaml",
                "    trust_domain: example.eu\n    mtls_mode: STRICT\n",
                "    trust_domain: example.eu\n"
                "    mtls_mode: PERMISSIVE         # VARIANT: plaintext accepted\n",
            ),
        ),
    ),
    Variant(
        "deployer-any-sa",
        "the scw-deployer Vault role is bound to every service account of every namespace of "
        "gke-prod: any pod can read the deployer credential, credential separation is broken.",
        (
            Edit(
                "controls.yaml",
                "      - {cluster: gke-prod, namespace: ci, service_account: gitlab-runner}\n",
                '      - {cluster: gke-prod, namespace: "*", service_account: "*"}   # VARIANT: any KSA\n',
            ),
        ),
    ),
    Variant(
        "no-peer-ip-restriction",
        "the compute.restrictVpnPeerIPs organisation policy is missing: any peer IP can "
        "terminate a VPN tunnel into the hub.",
        (
            Edit(
                "estate.yaml",
                "org_policies:\n"
                "  - name: restrict-vpn-peer-ips\n"
                "    cloud: gcp\n"
                "    constraint: compute.restrictVpnPeerIPs\n"
                "    # only the Scaleway VPN gateway's two public addresses may terminate a tunnel\n"
                '    allowed_values: ["51.159.0.1", "51.159.0.2"]\n',
                "# VARIANT: no org_policies; compute.restrictVpnPeerIPs is not set\n",
            ),
        ),
    ),
    Variant(
        "eastwest-blocked",
        "an egress deny in spoke-prod (priority 900, ahead of every rule at 1000 and of the "
        "implied allow-egress) drops TCP 15443 from the GKE nodes to the Scaleway ranges: the "
        "global policy allows frontend -> customer-api, but the network layer drops it.",
        (
            Edit(
                "gcp-network.yaml",
                '        source_ranges: ["10.10.0.0/20", "10.12.0.0/16"]\n'
                '        target_tags: ["gke-prod-node"]\n',
                '        source_ranges: ["10.10.0.0/20", "10.12.0.0/16"]\n'
                '        target_tags: ["gke-prod-node"]\n'
                "      # VARIANT: blocks the east-west gateway port towards Kapsule\n"
                "      - name: deny-mesh-egress-to-scaleway\n"
                "        direction: egress\n"
                "        priority: 900\n"
                "        action: deny\n"
                '        ports: ["tcp/15443"]\n'
                '        destination_ranges: ["172.16.0.0/22", "100.64.0.0/16"]\n'
                '        target_tags: ["gke-prod-node"]\n',
            ),
        ),
    ),
    Variant(
        "dns-range-not-advertised",
        "35.199.192.0/19 is no longer in hub-router's custom advertisement: forwarded queries "
        "from Cloud DNS reach scw-dns, but its answers have no route back. scw-gcp-policy still "
        "accepts the prefix on purpose, so the missing advertisement is the one mistake.",
        (
            Edit(
                "gcp-network.yaml",
                "      - range: 35.199.192.0/19\n        description: Cloud DNS forwarding sources\n",
                "      # VARIANT: 35.199.192.0/19 (Cloud DNS forwarding sources) not advertised\n",
            ),
        ),
    ),
    Variant(
        "managed-db-other-network",
        "customer-db is a Scaleway Managed Database for PostgreSQL in pn-data instead of "
        "PostgreSQL on an Instance: Managed Databases do not support VPC routing, so customer-api "
        "(Kapsule pods, pn-apps) cannot reach it, although the VPC ACL and the global policy "
        "allow the flow. Only workloads on pn-data reach it.",
        (
            Edit(
                "workloads.yaml",
                "  - name: customer-db\n"
                "    kind: vm\n"
                "    network: scw-vpc\n"
                "    subnet: pn-data\n"
                "    addresses: [172.16.8.10]\n"
                "    security_groups: [customer-db-sg]\n",
                "  - name: customer-db\n"
                "    kind: managed_database        # VARIANT: a Managed Database for PostgreSQL\n"
                "    network: scw-vpc\n"
                "    subnet: pn-data\n"
                "    addresses: [172.16.8.10]\n"
                "    # VARIANT: no security group (a Managed Database is not an Instance)\n",
            ),
        ),
    ),
    Variant(
        "vm-public-ip-open",
        "customer-db (PostgreSQL on an Instance in pn-data) gets a flexible IP, 51.15.8.10, and "
        "its security group accepts TCP 5432 from 0.0.0.0/0: the personal data is reachable from "
        "the internet without the zero-trust edge (a security group filters exactly that public "
        "interface).",
        (
            Edit(
                "workloads.yaml",
                "    addresses: [172.16.8.10]\n    security_groups: [customer-db-sg]\n",
                "    addresses: [172.16.8.10]\n"
                "    public_address: 51.15.8.10    # VARIANT: a flexible IP on the Instance\n"
                "    security_groups: [customer-db-sg]\n",
            ),
            Edit(
                "scaleway-network.yaml",
                "  - name: customer-db-sg\n"
                "    cloud: scw\n"
                "    inbound_default_policy: drop\n"
                "    outbound_default_policy: accept\n"
                "    stateful: true\n",
                "  - name: customer-db-sg\n"
                "    cloud: scw\n"
                "    inbound_default_policy: drop\n"
                "    outbound_default_policy: accept\n"
                "    stateful: true\n"
                "    inbound_rules:               # VARIANT: PostgreSQL open to the internet\n"
                "      - action: accept\n"
                "        ports: tcp/5432\n"
                '        ip_ranges: ["0.0.0.0/0"]\n'
                "        description: anyone may connect to PostgreSQL   # VARIANT\n",
            ),
        ),
    ),
)

# Paths in the base files are relative to the base folder; a variant sits two levels below it.
_MANIFESTS = re.compile(r"^(\s*manifests:\s*\[)([^\]]*)\](.*)$", re.MULTILINE)
_MANIFESTS_BLOCK = re.compile(r"^\s*manifests:\s*(#.*)?$", re.MULTILINE)
_SCHEMA_MODELINE = re.compile(r"^(# yaml-language-server: \$schema=)(\S+)", re.MULTILINE)


def _rebase(text: str) -> str:
    """Point paths relative to the base folder at the same targets from a variant folder."""

    def manifests(match: re.Match[str]) -> str:
        entries = ", ".join(f"../../{e.strip()}" for e in match.group(2).split(",") if e.strip())
        rest = match.group(3) if match.group(3).strip() else "   # the base example's manifests"
        return f"{match.group(1)}{entries}]{rest}"

    if _MANIFESTS_BLOCK.search(text):
        raise SystemExit("write cluster manifests as a flow list ([a, b]) so they can be rebased")
    text = _MANIFESTS.sub(manifests, text)
    return _SCHEMA_MODELINE.sub(lambda m: f"{m.group(1)}../../{m.group(2)}", text)


def _header(variant: Variant) -> str:
    lines = textwrap.wrap(
        f"VARIANT {variant.name}: {variant.mistake}",
        width=96,
        break_on_hyphens=False,
        break_long_words=False,
    )
    lines.append(
        "Generated by variants/generate.py from the base example; edit generate.py, not this file."
    )
    return "".join(f"# {line}\n" for line in lines) + "\n"


def _base_files() -> dict[str, str]:
    """The base blueprint's YAML files, and its clusters' manifests (`manifests/<cluster>/...`)."""
    files = {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted(BASE.iterdir())
        if path.is_file() and path.suffix in (".yaml", ".yml")
    }
    for path in sorted((BASE / "manifests").rglob("*")):
        if path.is_file() and path.suffix in (".yaml", ".yml"):
            files[path.relative_to(BASE).as_posix()] = path.read_text(encoding="utf-8")
    return files


def _own_manifests(text: str, folders: list[str]) -> str:
    """Point the clusters whose manifests a variant edits at the variant's own copy."""
    for folder in folders:
        shared = f"../../{folder}]   # the base example's manifests"
        if shared not in text:
            raise SystemExit(f"no cluster reads {folder}: cannot give the variant its own copy")
        text = text.replace(shared, f"{folder}]   # VARIANT: its own copy, edited")
    return text


def render(variant: Variant, base: dict[str, str]) -> dict[str, str]:
    """The files of one variant: file name (relative path) -> text.

    Manifests are shared with the base example (`../../manifests/...`) unless the variant edits
    one: then it gets its own copy of that cluster's folder, so the policies pinned to addresses
    follow the mistake and the variant stays one mistake.
    """
    files = {name: _rebase(text) for name, text in base.items() if "/" not in name}
    folders = sorted({e.file.rsplit("/", 1)[0] for e in variant.edits if "/" in e.file})
    for name, text in base.items():
        if "/" in name and name.rsplit("/", 1)[0] in folders:
            files[name] = text
    if folders:
        files["clusters.yaml"] = _own_manifests(files["clusters.yaml"], folders)
    changed: list[str] = []
    for edit in variant.edits:
        if edit.file not in files:
            raise SystemExit(f"{variant.name}: no base file {edit.file}")
        text = files[edit.file]
        count = text.count(edit.old)
        if count != 1:
            raise SystemExit(
                f"{variant.name}: expected the text to replace exactly once in {edit.file}, "
                f"found it {count} times (has the base example changed?):\n{edit.old}"
            )
        files[edit.file] = text.replace(edit.old, edit.new)
        if edit.file not in changed:
            changed.append(edit.file)
    if folders and "clusters.yaml" not in changed:
        changed.append("clusters.yaml")
    for name in changed:
        files[name] = _header(variant) + files[name]
    return files


def generate(out: Path) -> list[Path]:
    """Write every variant folder under `out` (replacing existing ones); return the folders."""
    base = _base_files()
    written = []
    for variant in VARIANTS:
        folder = out / variant.name
        if folder.exists():
            shutil.rmtree(folder)
        folder.mkdir(parents=True)
        for name, text in render(variant, base).items():
            (folder / name).parent.mkdir(parents=True, exist_ok=True)
            (folder / name).write_text(text, encoding="utf-8")
        written.append(folder)
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--out", type=Path, default=HERE, help="folder to write the variants into (default: here)"
    )
    args = parser.parse_args(argv)
    for folder in generate(args.out):
        print(folder)
    return 0


if __name__ == "__main__":
    sys.exit(main())
