"""Lab names and the state file: prefixed, short enough for Linux, written before anything exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from crossfence.errors import QueryError
from crossfence.lab.state import Names, State, validate_name


@pytest.mark.parametrize("name", ["lab", "a", "t0", "abcdef"])
def test_good_names(name: str) -> None:
    assert validate_name(name) == name


@pytest.mark.parametrize("name", ["", "Lab", "0lab", "abcdefg", "a-b", "a_b"])
def test_bad_names_are_refused_with_what_a_name_may_be(name: str) -> None:
    with pytest.raises(QueryError) as error:
        validate_name(name)
    assert "1 to 6 lowercase letters and digits" in str(error.value)


def test_interface_names_fit_linux_and_carry_the_prefix() -> None:
    """Linux interface names are at most 15 characters (IFNAMSIZ 16 with the NUL)."""
    names = Names("abcdef")
    ends = [end for _ in range(10000) for end in names.veth()]
    tunnels = [names.wireguard() for _ in range(100)]
    assert max(len(n) for n in ends + tunnels) <= 15
    assert all(n.startswith("cfabcdef-") for n in ends + tunnels)
    assert len(set(ends + tunnels)) == len(ends) + len(tunnels)
    with pytest.raises(QueryError):
        names.veth()


def test_two_labs_never_share_an_interface_name() -> None:
    """wireguard-go's control sockets are global: names of two labs never collide (no `-` in a
    lab name, so `cfab-` and `cfa-` cannot be each other's prefix)."""
    one, two = Names("ab"), Names("a")
    first = {one.wireguard() for _ in range(50)} | {e for _ in range(50) for e in one.veth()}
    second = {two.wireguard() for _ in range(50)} | {e for _ in range(50) for e in two.veth()}
    assert not first & second


def test_namespace_names_are_prefixed_and_unique() -> None:
    names = Names("t")
    made = [names.netns("wl", "front end/0"), names.netns("wl", "front end/0")]
    assert made == ["cf-t-wl-front-end-0", "cf-t-wl-front-end-0-2"]


def test_the_state_is_on_disk_after_every_record(tmp_path: Path) -> None:
    """`down` must find a resource even if `up` dies right after recording it."""
    state = State.create(tmp_path / "x", "x", "/bp")
    state.record("netns", "cf-x-a", role="net")
    on_disk = json.loads((tmp_path / "x" / "state.json").read_text())
    assert on_disk["resources"] == [{"kind": "netns", "name": "cf-x-a", "role": "net"}]
    resource = state.record("process", "bird", argv=["bird"])
    state.update(resource, pid=7)
    again = State.load(tmp_path / "x")
    assert again is not None
    assert [(r.kind, r.name, r.details.get("pid")) for r in again.resources] == [
        ("netns", "cf-x-a", None),
        ("process", "bird", 7),
    ]


def test_a_missing_state_is_none_and_a_broken_one_is_an_error(tmp_path: Path) -> None:
    assert State.load(tmp_path / "nothing") is None
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "state.json").write_text("{")
    with pytest.raises(QueryError):
        State.load(tmp_path / "bad")
