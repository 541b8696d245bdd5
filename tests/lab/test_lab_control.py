"""`up`, `down` and `status` against an in-memory machine: what is recorded, when, and what `down` removes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from crossfence.cli import app
from crossfence.errors import QueryError, UnsupportedError
from crossfence.lab import system as system_module
from crossfence.lab.control import up
from crossfence.lab.status import status
from crossfence.lab.system import CommandError, Completed, FakeSystem, ProcessInfo
from crossfence.lab.teardown import down

from .conftest import EXAMPLE


def recorded(root: Path, name: str) -> list[dict[str, object]]:
    return json.loads((root / name / "state.json").read_text())["resources"]  # type: ignore[no-any-return]


class Watching(FakeSystem):
    """A fake machine that checks, as each thing is created, that the state file lists it."""

    root: Path = Path()
    lab: str = ""

    def listed(self, kind: str, name: str) -> bool:
        return any(r["kind"] == kind and r["name"] == name for r in recorded(self.root, self.lab))

    def spawn(self, argv: object, log: Path) -> ProcessInfo:  # type: ignore[override]
        assert any(
            r["kind"] == "process" and r.get("argv") == list(argv)  # type: ignore[call-overload]
            for r in recorded(self.root, self.lab)
        ), f"{argv} started before it was recorded"
        return super().spawn(argv, log)  # type: ignore[arg-type]


def established(call: tuple[str, ...], _: str | None) -> Completed | None:
    if call[:1] == ("birdc",):
        lines = ["Name Proto Table State Since Info"] + [
            f"{name} BGP --- up 10:00:00 Established"
            for name in ("bgp_0", "bgp_1", "peering_hub", "peering_spoke_prod", "peering_spoke_dev")
        ]
        return Completed(call, 0, "\n".join(lines), "")
    return None


def watching(root: Path, lab: str) -> Watching:
    machine = Watching()
    machine.root, machine.lab = root, lab

    def check(call: tuple[str, ...], _: str | None) -> Completed | None:
        if call[:3] == ("ip", "netns", "add"):
            assert machine.listed("netns", call[3]), f"{call[3]} created before it was recorded"
        return None

    machine.responders += [check, established]
    return machine


def test_up_records_each_namespace_and_daemon_before_creating_it(tmp_path: Path) -> None:
    machine = watching(tmp_path, "ref")
    result = up(EXAMPLE, "ref", system=machine, root=tmp_path, mesh=False)
    assert result.namespaces == 27
    created = [c[3] for c in machine.calls if c[:3] == ("ip", "netns", "add")]
    assert len(created) == 27 and all(n.startswith("cf-ref-") for n in created)
    kinds = {r["kind"] for r in recorded(tmp_path, "ref")}
    assert kinds == {"netns", "links", "process", "socket"}
    daemons = [p.argv[4] for p in machine.spawned]
    assert daemons.count("wireguard-go") == 4 and daemons.count("bird") == 4
    # every command that touches the network runs inside a lab namespace
    for call in machine.calls:
        if call[:1] == ("ip",) and call[1:3] != ("netns", "add") and call[1] != "-batch":
            assert call[1] in ("-n", "netns", "-j") or call[1:3] == ("netns", "exec"), call


def test_down_removes_the_folders_up_created_above_the_lab(tmp_path: Path, small: Path) -> None:
    root = tmp_path / "run" / "crossfence" / "lab"
    up(small, "deep", system=FakeSystem(), root=root, mesh=False)
    up(small, "other", system=FakeSystem(), root=root, mesh=False)
    down("deep", system=FakeSystem(), root=root)
    assert root.exists()  # the other lab is still in it
    down("other", system=FakeSystem(), root=root)
    assert not (tmp_path / "run").exists()


def test_down_removes_exactly_what_was_recorded_and_is_safe_twice(tmp_path: Path) -> None:
    machine = watching(tmp_path, "ref")
    up(EXAMPLE, "ref", system=machine, root=tmp_path, mesh=False)
    namespaces = [str(r["name"]) for r in recorded(tmp_path, "ref") if r["kind"] == "netns"]
    machine.responders.insert(
        0,
        lambda call, _: (
            Completed(call, 0, json.dumps([{"name": n} for n in namespaces]), "")
            if call == ("ip", "-j", "netns", "list")
            else None
        ),
    )
    calls = len(machine.calls)
    result = down("ref", system=machine, root=tmp_path)
    assert result.found and result.processes == len(machine.spawned) == 27
    deleted = [c[3] for c in machine.calls[calls:] if c[:3] == ("ip", "netns", "delete")]
    assert sorted(deleted) == sorted(namespaces)
    assert not (tmp_path / "ref").exists()
    assert sorted(machine.stopped) == sorted(p.pid for p in machine.spawned)
    again = down("ref", system=machine, root=tmp_path)
    assert not again.found


# openssl's answers for a P-256 key (what `openssl pkey -text_pub` and `openssl dgst -sign -hex`
# print, taken from a real run)
_PUBLIC = """Public-Key: (256 bit)
pub:
    04:44:31:92:7d:92:4d:07:fa:d1:29:c7:da:0f:e4:
    f1:a6:56:a3:2d:bb:9e:ca:87:7f:ae:6e:db:cd:1a:
    3e:11:4b:40:b9:32:b6:dd:71:27:75:fd:a5:f3:c8:
    e6:65:56:fc:23:53:f4:ee:6b:f2:9d:30:4a:8a:2d:
    09:9e:25:e8:73
ASN1 OID: prime256v1
NIST CURVE: P-256
"""
_SIGNATURE = (
    "SHA2-256(stdin)= 304502205769f0feb5c8e1962bfa6dfb2b70997b7ae782bd93873123b649648bc5a4d1d20221"
    "00fa65b28deeefa3c6c49561d8ca48958f1a32240aca5a7528f3c0ed6a75d017c2\n"
)


def _openssl_ec(call: tuple[str, ...], _: str | None) -> Completed | None:
    if call[:2] == ("openssl", "pkey"):
        return Completed(call, 0, _PUBLIC, "")
    if call[:2] == ("openssl", "dgst"):
        return Completed(call, 0, _SIGNATURE, "")
    return None


def test_the_mesh_runs_on_envoy_with_the_labs_certificates(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With Envoy at hand: a CA and one SPIFFE certificate per identity (openssl), a sidecar per
    injected pod, an Envoy per east-west gateway and for scw-edge (the ingress gateway); the
    pods' servers listen on 127.0.0.1 behind their sidecar."""
    monkeypatch.setattr("crossfence.lab.control.envoy_binary", lambda: "/opt/envoy")
    machine = watching(tmp_path, "mesh")
    machine.responders.insert(0, _openssl_ec)
    up(EXAMPLE, "mesh", system=machine, root=tmp_path)
    envoys = [p.argv for p in machine.spawned if p.argv[4] == "/opt/envoy"]
    # frontend x2, customer-api x2, two east-west gateways, scw-edge as the ingress gateway; IAP:
    # public-lb signing, scw-edge verifying (in front of customer-api)
    assert len(envoys) == 9
    jwks = json.loads(machine.files[str(tmp_path / "mesh" / "pki" / "google-jwks.json")])
    (key,) = jwks["keys"]
    assert (key["kty"], key["crv"], key["alg"]) == ("EC", "P-256", "ES256")
    assert len(key["x"]) == len(key["y"]) == 43  # 32 bytes, base64url without padding
    certificates = [c for c in machine.calls if c[:3] == ("openssl", "x509", "-req")]
    sans = sorted(v for path, v in machine.files.items() if path.endswith(".ext"))
    assert len(certificates) == len(sans) == 3
    assert [s.split("\n")[0] for s in sans] == [
        "subjectAltName=URI:spiffe://example.eu/ns/istio-system/sa/istio-ingressgateway-service-account",
        "subjectAltName=URI:spiffe://example.eu/ns/shop/sa/customer-api",
        "subjectAltName=URI:spiffe://example.eu/ns/web/sa/frontend",
    ]
    servers = [p.argv for p in machine.spawned if "serve" in p.argv and "customer-api" in p.argv]
    assert all(argv[argv.index("--host") + 1] == "127.0.0.1" for argv in servers)
    state = json.loads((tmp_path / "mesh" / "state.json").read_text())
    assert state["plan"]["mesh"] is True


def test_a_lab_that_failed_half_way_is_removed_by_down(tmp_path: Path, small: Path) -> None:
    machine = FakeSystem()

    def nft_fails(call: tuple[str, ...], _: str | None) -> Completed | None:
        return Completed(call, 1, "", "syntax error") if "nft" in call else None

    machine.responders.append(nft_fails)
    with pytest.raises(CommandError):
        up(small, "half", system=machine, root=tmp_path, keep=True, mesh=False)
    state = json.loads((tmp_path / "half" / "state.json").read_text())
    assert state["phase"] == "failed"
    namespaces = [r["name"] for r in state["resources"] if r["kind"] == "netns"]
    assert len(namespaces) == 5
    machine.responders.insert(
        0,
        lambda call, _: (
            Completed(call, 0, json.dumps([{"name": n} for n in namespaces]), "")
            if call == ("ip", "-j", "netns", "list")
            else None
        ),
    )
    result = down("half", system=machine, root=tmp_path)
    assert result.namespaces == 5 and not (tmp_path / "half").exists()


def test_a_failed_up_cleans_after_itself_unless_asked_to_keep(tmp_path: Path, small: Path) -> None:
    machine = FakeSystem()
    machine.responders.append(
        lambda call, _: Completed(call, 1, "", "no") if "nft" in call else None
    )
    with pytest.raises(CommandError):
        up(small, "gone", system=machine, root=tmp_path, mesh=False)
    assert not (tmp_path / "gone").exists()


def test_a_daemon_recorded_without_its_pid_is_found_by_its_command_line(
    tmp_path: Path, small: Path
) -> None:
    machine = FakeSystem()
    up(small, "pid", system=machine, root=tmp_path, mesh=False)
    state = json.loads((tmp_path / "pid" / "state.json").read_text())
    for resource in state["resources"]:
        resource.pop("pid", None)
    (tmp_path / "pid" / "state.json").write_text(json.dumps(state))
    result = down("pid", system=machine, root=tmp_path)
    assert result.processes == len(machine.spawned) == 3


def test_a_lab_of_that_name_already_up_is_refused(tmp_path: Path, small: Path) -> None:
    machine = FakeSystem()
    up(small, "twice", system=machine, root=tmp_path)
    with pytest.raises(QueryError, match="already up"):
        up(small, "twice", system=machine, root=tmp_path)


@pytest.mark.parametrize(
    ("machine", "message"),
    [
        (FakeSystem(euid=1000), "run it as root"),
        (FakeSystem(os="Darwin"), "Linux network namespaces"),
        (
            FakeSystem(binaries={"ip", "nft", "sysctl", "wg", "wireguard-go"}),
            "the lab needs bird, birdc",
        ),
        # a minimal Debian has no procps: the namespaces' forwarding is set with sysctl
        (
            FakeSystem(binaries={"ip", "nft", "wg", "wireguard-go", "bird", "birdc"}),
            "needs sysctl ",
        ),
    ],
)
def test_what_the_lab_needs_is_said_before_anything_is_created(
    tmp_path: Path, machine: FakeSystem, message: str
) -> None:
    with pytest.raises(UnsupportedError, match=message):
        up(EXAMPLE, "need", system=machine, root=tmp_path, mesh=False)
    assert machine.calls == []
    assert not (tmp_path / "need").exists()


def test_the_cli_exits_2_with_the_reason_when_not_root(
    tmp_path: Path, small: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(system_module.HostSystem, "identity", lambda self: ("Linux", 1000))
    monkeypatch.setenv("CROSSFENCE_LAB_DIR", str(tmp_path))
    result = CliRunner().invoke(app, ["lab", "up", str(small), "--name", "cli"])
    assert result.exit_code == 2
    assert "run it as root" in result.output


def test_status_of_a_lab_that_is_not_up(tmp_path: Path) -> None:
    assert status("none", system=FakeSystem(), root=tmp_path) == {"name": "none", "up": False}


def test_a_bad_lab_name_is_a_usage_error(tmp_path: Path, small: Path) -> None:
    result = CliRunner().invoke(app, ["lab", "up", str(small), "--name", "Bad-Name"])
    assert result.exit_code == 2
    assert "is not a lab name" in result.output


def test_verify_asks_about_the_blueprint_the_lab_was_built_from(
    tmp_path: Path, small: Path
) -> None:
    from crossfence.lab.verify import verify

    with pytest.raises(QueryError, match="is not up"):
        verify("mis", system=FakeSystem(), root=tmp_path)
    up(small, "mis", system=FakeSystem(), root=tmp_path, mesh=False)
    with pytest.raises(QueryError, match="was built from"):
        verify("mis", system=FakeSystem(), root=tmp_path, path=EXAMPLE)
