"""Loading YAML into the blueprint: syntax, structure and field errors, each with its file:line:col.

Every fixture is written inline; its first line is line 1 of the file.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import TypeAdapter, ValidationError

from crossfence import load
from crossfence.algebra.packets import ServiceSet, services_of
from crossfence.errors import BlueprintError, Problem
from crossfence.model import parse_port_spec
from crossfence.model.base import Cidr, PortSpec
from crossfence.model.loader import load_documents

from .conftest import CLOUDS, expect, problems_of, where, write

Case = Callable[[str], list[Problem]]


# -- YAML ----------------------------------------------------------------------------------------


def test_yaml_syntax_error(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "bad.yaml",
        """
        clouds:
          - name: gcp
            provider: [gcp
        """,
    )
    (problem,) = problems_of(path)
    assert problem.message.startswith("YAML syntax error: ")
    assert problem.message.endswith("(expected valid YAML)")
    assert problem.code == "syntax"
    assert where(problem) == "bad.yaml:4:1"


def test_tab_indentation_is_a_syntax_error(tmp_path: Path) -> None:
    path = write(tmp_path, "tab.yaml", "clouds:\n\t- name: gcp\n")
    (problem,) = problems_of(path)
    assert where(problem) == "tab.yaml:2:1"
    assert "found character '\\t'" in problem.message


def test_duplicate_key(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "dup.yaml",
        """
        clouds:
          - name: gcp
            provider: gcp
            region: europe-west1
            region: europe-west4
        """,
    )
    problem = expect(
        problems_of(path), "dup.yaml:5:5", 'duplicate key: found duplicate key "region"'
    )
    assert problem.message.endswith("(expected each key once per mapping)")


@pytest.mark.parametrize(
    "text",
    ["- clouds\n- networks\n", "just a sentence\n", "42\n"],
    ids=["list", "string", "number"],
)
def test_top_level_must_be_a_mapping(tmp_path: Path, text: str) -> None:
    path = write(tmp_path, "top.yaml", text)
    expect(
        problems_of(path),
        "top.yaml:1:1",
        "a blueprint file must be a mapping of sections (expected e.g. 'clouds:' at the top)",
    )


def test_binary_junk_is_located_not_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "junk.yaml"
    path.write_bytes(b"name: x\nclouds: []\n  \xff\xfe oops\n")
    expect(
        problems_of(path),
        "junk.yaml:3:3",
        "byte 0xff is not UTF-8 text (expected a UTF-8 YAML file)",
    )


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n", "\n\n# a\n---\n# b\n"])
def test_an_empty_blueprint_is_nothing_to_check(tmp_path: Path, text: str) -> None:
    """An empty blueprint, or one of comments only, is an error, not a pass: a file emptied by
    mistake must not be reported as a valid (and allow-nothing) estate."""
    path = write(tmp_path, "empty.yaml", text)
    (problem,) = problems_of(path)
    assert problem.code == "empty"
    assert problem.message.startswith(f"nothing to check: {path} has no blueprint content")
    (tmp_path / "more.yaml").write_text("# nothing here either\n", encoding="utf-8")
    with pytest.raises(BlueprintError, match="nothing to check"):
        load(tmp_path)


def test_a_blueprint_of_one_key_is_an_empty_estate(tmp_path: Path) -> None:
    blueprint = load(write(tmp_path, "estate.yaml", "crossfence: 1\n"))
    assert blueprint.clouds == () and blueprint.warnings == ()


def test_yaml_merge_keys_are_followed(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "merge.yaml",
        """
        clouds:
          - &gcp
            name: gcp
            provider: gcp
            jurisdiction: US
            region: europe-west1
          - <<: *gcp
            name: gcp-dr
            regoin: europe-west4
        """,
    )
    problem = expect(problems_of(path), "merge.yaml:9:5", "unknown field 'regoin'")
    assert problem.path == "clouds[1].regoin"
    path.write_text(path.read_text().replace("regoin", "region"))
    assert [(c.name, c.provider, c.region) for c in load(path).clouds] == [
        ("gcp", "gcp", "europe-west1"),
        ("gcp-dr", "gcp", "europe-west4"),
    ]


# -- structure and fields ------------------------------------------------------------------------


def test_unknown_field_with_did_you_mean(case: Case) -> None:
    problems = case(
        """
        networks:
          - name: hub
            cloud: gcp
            subnets:
              - name: hub-ew1
                cidr: 10.0.0.0/24
                secondary_range: []
        """
    )
    problem = expect(problems, "case.yaml:7:9", "unknown field 'secondary_range'")
    assert problem.path == "networks[0].subnets[0].secondary_range"
    assert problem.code == "unknown-field"
    assert "did you mean 'secondary_ranges'?" in problem.message
    assert "(expected one of: cidr, description, name," in problem.message


def test_unknown_top_level_section_with_did_you_mean(case: Case) -> None:
    problem = expect(case("workload: []\n"), "case.yaml:1:1", "unknown field 'workload'")
    assert "did you mean 'workloads'?" in problem.message


def test_wrong_literal_with_did_you_mean(case: Case) -> None:
    problems = case(
        """
        clouds:
          - name: gcp2
            provider: gpc
            jurisdiction: US
            region: europe-west1
        """
    )
    problem = expect(problems, "case.yaml:3:15", "'gpc' is not allowed")
    assert problem.path == "clouds[0].provider"
    assert "(expected 'gcp', 'scaleway' or 'aws'; did you mean 'gcp'?)" in problem.message


@pytest.mark.parametrize(
    ("text", "location", "message"),
    [
        (
            "vpn_gateways:\n  - {name: v, cloud: gcp, network: hub, type: ha_vpn,\n"
            "     interfaces: [{id: one, ip: 34.157.0.1}]}\n",
            "case.yaml:3:24",
            "'one' is not an integer (expected an integer)",
        ),
        (
            "networks:\n  - name: hub\n    cloud: gcp\n    subnets: 5\n",
            "case.yaml:4:14",
            "got int (expected a list)",
        ),
        (
            "networks:\n  - name: hub\n    cloud: gcp\n    subnets: {name: a}\n",
            "case.yaml:4:14",
            "got dict (expected a list)",
        ),
        (
            "networks:\n  - name: hub\n    cloud: gcp\n    managed_routing: maybe\n",
            "case.yaml:4:22",
            "'maybe' is not a boolean (expected true or false)",
        ),
        (
            "networks:\n  - name: hub\n    cloud: [gcp]\n",
            "case.yaml:3:12",
            "['gcp'] is not a string (expected a string)",
        ),
        ("clouds:\n  - 5\n", "case.yaml:2:5", "got int 5 (expected a mapping of fields)"),
    ],
    ids=["int", "number-for-list", "mapping-for-list", "bool", "list-for-string", "item"],
)
def test_wrong_type(case: Case, text: str, location: str, message: str) -> None:
    problem = expect(case(text), location, message)
    assert problem.code == "invalid-type"


@pytest.mark.parametrize(
    ("section", "value", "location", "message"),
    [
        ("clouds", "5", "case.yaml:1:9", "got the number 5 (expected a list of clouds"),
        ("workloads", "{name: w}", "case.yaml:1:12", "got a mapping (expected a list of workloads"),
        (
            "intents",
            "",
            "case.yaml:1:1",
            "got nothing (expected a list; write 'intents: []' for none)",
        ),
    ],
)
def test_section_that_is_not_a_list(
    case: Case, section: str, value: str, location: str, message: str
) -> None:
    problem = expect(case(f"{section}: {value}\n"), location, message, path=section)
    assert problem.code == "invalid-type"


def test_top_level_scalars_are_located(case: Case) -> None:
    problems = case(
        """
        crossfence: 2
        name: [a, b]
        """
    )
    expect(problems, "case.yaml:1:13", "2 is out of range (expected <= 1)", path="crossfence")
    expect(problems, "case.yaml:2:7", "['a', 'b'] is not a string (expected a string)", path="name")


@pytest.mark.parametrize(
    ("field", "value", "column", "message"),
    [
        ("port", "70000", 11, "70000 is out of range (expected <= 65535)"),
        ("port", "0", 11, "0 is out of range (expected >= 1)"),
    ],
)
def test_out_of_range_int(case: Case, field: str, value: str, column: int, message: str) -> None:
    problems = case(
        f"""
        load_balancers:
          - name: lb
            cloud: gcp
            kind: gcp_external_https
            address: 34.120.0.10
            {field}: {value}
        """
    )
    problem = expect(problems, f"case.yaml:6:{column}", message, path="load_balancers[0].port")
    assert problem.code == "out-of-range"


def test_out_of_range_port_spec(case: Case) -> None:
    problems = case(
        """
        intents:
          - {name: i, source: a, destination: b, port: tcp/70000, expect: allowed}
        """
    )
    expect(problems, "case.yaml:2:48", "'tcp/70000': port 70000 is out of range (expected 1-65535)")


def test_missing_required_field(case: Case) -> None:
    problems = case(
        """
        clouds:
          - name: gcp2
            provider: gcp
            region: europe-west1
        """
    )
    problem = expect(
        problems, "case.yaml:2:5", "missing required field 'jurisdiction' (expected a value)"
    )
    assert (problem.path, problem.code) == ("clouds[0].jurisdiction", "missing")


def test_all_errors_at_once_in_file_order(case: Case) -> None:
    problems = case(
        """
        clouds:
          - name: Gcp
            provider: gcp
            jurisdiction: US
            region: europe-west1
          - name: scw2
            provider: scaleway
            jurisdiction: EU
            regoin: fr-par
        """
    )
    assert [where(p) for p in problems] == ["case.yaml:2:11", "case.yaml:6:5", "case.yaml:9:5"]
    assert "'Gcp' is not a valid name (expected lowercase letters" in problems[0].message
    assert "missing required field 'region'" in problems[1].message
    assert "unknown field 'regoin'" in problems[2].message


# -- CIDRs and addresses -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cidr", "message"),
    [
        ("10.0.0.0/33", "'10.0.0.0/33' is not a CIDR (expected e.g. '10.0.0.0/24')"),
        ("10.0.0/24", "'10.0.0/24' is not a CIDR (expected e.g. '10.0.0.0/24')"),
        ("ten", "'ten' is not a CIDR (expected e.g. '10.0.0.0/24')"),
        (
            "10.0.0.1/24",
            "'10.0.0.1/24' has host bits set (expected the network address, e.g. '10.0.0.0/24')",
        ),
    ],
)
def test_cidr_that_does_not_parse(case: Case, cidr: str, message: str) -> None:
    problems = case(
        f"""
        networks:
          - name: hub
            cloud: gcp
            subnets:
              - name: hub-ew1
                cidr: {cidr}
        """
    )
    problem = expect(problems, "case.yaml:6:15", message)
    assert problem.path == "networks[0].subnets[0].cidr"


def test_address_that_does_not_parse(case: Case) -> None:
    problems = case(
        """
        load_balancers:
          - {name: lb, cloud: gcp, kind: gcp_external_https, address: 34.120.0.300}
        """
    )
    expect(
        problems,
        "case.yaml:2:63",
        "'34.120.0.300' is not an IP address (expected e.g. '10.0.0.10')",
    )


# -- folders -------------------------------------------------------------------------------------


def test_folder_merges_the_items_of_every_file(tmp_path: Path) -> None:
    write(tmp_path, "a-clouds.yaml", CLOUDS)
    write(
        tmp_path,
        "b-workloads.yaml",
        """
        workloads:
          - {name: api, kind: external_api, cloud: gcp, addresses: [199.36.153.4/30]}
        clouds:
          - {name: gcp-dr, provider: gcp, jurisdiction: US, region: europe-west4}
        """,
    )
    blueprint = load(tmp_path)
    assert [c.name for c in blueprint.clouds] == ["gcp", "scw", "aws", "gcp-dr"]
    # each object remembers the file and line it came from
    gcp, gcp_dr = blueprint.get("clouds", "gcp"), blueprint.get("clouds", "gcp-dr")
    assert gcp.defined_at is not None and gcp_dr.defined_at is not None
    assert (Path(gcp.defined_at.file).name, gcp.defined_at.line) == ("a-clouds.yaml", 2)
    assert (Path(gcp_dr.defined_at.file).name, gcp_dr.defined_at.line) == ("b-workloads.yaml", 4)
    assert gcp_dr.defined_at.path == "clouds[3]"


def test_errors_in_the_second_file_point_at_it(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", CLOUDS)
    write(
        tmp_path,
        "b.yaml",
        """
        clouds:
          - {name: gcp-dr, provider: gcp, jurisdiction: US, regoin: europe-west4}
        """,
    )
    problem = expect(problems_of(tmp_path), "b.yaml:2:53", "unknown field 'regoin'")
    assert problem.path == "clouds[3].regoin"


def test_conflicting_top_level_name(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "name: estate-one\n" + CLOUDS)
    write(tmp_path, "b.yaml", "# the other half\nname: estate-two\n")
    problem = expect(problems_of(tmp_path), "b.yaml:2:1", "'name' is set differently in ")
    assert "a.yaml" in problem.message
    assert problem.message.endswith("(expected the same value in every file of the blueprint)")
    assert problem.code == "conflict"


def test_the_same_top_level_name_in_two_files_is_fine(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "name: estate\n" + CLOUDS)
    write(tmp_path, "b.yaml", "name: estate\n")
    assert load(tmp_path).name == "estate"


def test_section_as_a_scalar_before_a_list_is_an_error_not_a_traceback(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", "clouds: none\n")
    write(tmp_path, "b.yaml", CLOUDS)
    (problem,) = problems_of(tmp_path)
    assert where(problem) == "a.yaml:1:9"
    assert "got the string 'none' (expected a list of clouds" in problem.message


def test_variants_and_manifests_subfolders_are_not_part_of_the_blueprint(tmp_path: Path) -> None:
    write(tmp_path, "estate.yaml", CLOUDS)
    write(tmp_path, "variants/broken/estate.yaml", "clouds: [\n")
    write(tmp_path, "manifests/gke/deploy.yaml", "apiVersion: apps/v1\nkind: Deployment\n")
    write(
        tmp_path,
        "more/extra.yaml",
        "clouds:\n  - {name: x, provider: gcp, jurisdiction: US, region: r}\n",
    )
    assert [c.name for c in load(tmp_path).clouds] == ["gcp", "scw", "aws", "x"]


def test_folder_without_yaml(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a blueprint")
    (problem,) = problems_of(tmp_path)
    assert problem.message == f"no blueprint files in {tmp_path} (expected *.yaml or *.yml files)"


def test_missing_path(tmp_path: Path) -> None:
    (problem,) = problems_of(tmp_path / "nope")
    assert problem.message.endswith("(expected a blueprint file or folder)")
    assert "no such file or folder" in problem.message


def test_load_documents_returns_the_merged_dict_with_positions(tmp_path: Path) -> None:
    write(tmp_path, "a.yaml", CLOUDS)
    write(
        tmp_path, "b.yaml", "clouds:\n  - {name: x, provider: gcp, jurisdiction: US, region: r}\n"
    )
    data, positions, problems = load_documents(tmp_path)
    assert problems == []
    assert [c["name"] for c in data["clouds"]] == ["gcp", "scw", "aws", "x"]
    file, line, column = positions.values[("clouds", 3, "region")]
    assert (Path(file).name, line, column) == ("b.yaml", 2, 56)


def test_blueprint_error_renders_every_problem_as_file_line_col(case: Case) -> None:
    problems = case("clouds:\n  - {name: gcp2, provider: gcp, jurisdiction: US}\n")
    error = BlueprintError(problems)
    (line,) = str(error).splitlines()
    assert line.endswith(
        ":2:5: clouds[0].region: missing required field 'region' (expected a value)"
    )
    assert line.split(":")[0].endswith("case.yaml")


# -- properties ----------------------------------------------------------------------------------

PORTED = st.sampled_from(["tcp", "udp", "sctp"])
PORT = st.integers(min_value=1, max_value=65535)


@given(PORTED, PORT, PORT, st.sampled_from(["lower", "upper"]))
def test_port_range_round_trips(protocol: str, a: int, b: int, case_: str) -> None:
    low, high = min(a, b), max(a, b)
    text = f"{protocol}/{low}-{high}"
    text = text.upper() if case_ == "upper" else text
    assert parse_port_spec(text) == (protocol, low, high)
    normalized = TypeAdapter(PortSpec).validate_python(text)
    assert normalized == (f"{protocol}/{low}" if low == high else f"{protocol}/{low}-{high}")
    # the normal form is a fixed point
    assert TypeAdapter(PortSpec).validate_python(normalized) == normalized
    assert parse_port_spec(normalized) == (protocol, low, high)


@given(st.integers(min_value=0, max_value=255), st.sampled_from(["proto", "PROTO"]))
def test_protocol_number_round_trips_to_the_services_it_names(number: int, prefix: str) -> None:
    """`proto/N` is IP protocol N (GCP firewall rules take "the IP protocol number",
    https://cloud.google.com/compute/docs/reference/rest/v1/firewalls); its normal form is the
    protocol's name when GCP has one, reads back to itself, and is exactly protocol N."""
    normalized = TypeAdapter(PortSpec).validate_python(f"{prefix}/{number}")
    named = {1: "icmp", 4: "ipip", 6: "tcp", 17: "udp", 50: "esp", 51: "ah", 132: "sctp"}
    assert normalized == named.get(number, f"proto/{number}")
    assert TypeAdapter(PortSpec).validate_python(normalized) == normalized
    assert services_of([normalized]) == ServiceSet.protocol(number)


@given(PORTED, PORT, PORT)
def test_reversed_port_range_is_rejected(protocol: str, a: int, b: int) -> None:
    if a == b:
        return
    low, high = min(a, b), max(a, b)
    with pytest.raises(ValueError, match="range ends before it starts"):
        parse_port_spec(f"{protocol}/{high}-{low}")


@given(st.ip_addresses(v=4), st.integers(min_value=0, max_value=32))
def test_cidr_accepts_network_addresses_and_names_the_fix_for_host_bits(
    address: object, prefix: int
) -> None:
    import ipaddress

    network = ipaddress.ip_network(f"{address}/{prefix}", strict=False)
    adapter = TypeAdapter(Cidr)
    assert adapter.validate_python(str(network)) == str(network)
    if int(network.network_address) != int(address):  # type: ignore[call-overload]
        with pytest.raises(ValidationError, match=f"has host bits set .*e.g. '{network}'"):
            adapter.validate_python(f"{address}/{prefix}")
