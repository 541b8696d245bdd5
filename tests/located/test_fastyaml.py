"""The rapidyaml reader gives exactly what the ruamel reader gives, or hands the file to it.

`fastyaml.read_fast` must never change a manifest's meaning or a reported `file:line:col`: every
document's value, and `locate`/`locate_key` of every path in it, are compared with
`yamlsource`'s ruamel reader on the repository's manifests, on synthetic clusters, on edge cases
and on generated YAML. A file the fast reader refuses is fine (it is only slower), but the
manifests crossfence is benchmarked on must not be refused.
"""

from __future__ import annotations

import ast
import itertools
import json
import os
import random
import subprocess
import sys
import textwrap
import threading
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from k8s_strategies import clusters

from crossfence.errors import ManifestError
from crossfence.located import fastyaml, yamlsource
from crossfence.located.yamlsource import read_documents
from crossfence.providers.kubernetes import load_manifests
from tests.located.yaml_compare import paths, same
from tests.scripts import load_script

ROOT = Path(__file__).resolve().parents[2]
YAML_FILES = sorted(
    p
    for folder in (ROOT / "tests", ROOT / "examples")
    for p in folder.rglob("*")
    if p.suffix in (".yaml", ".yml", ".json") and p.is_file()
)
MANIFEST_FILES = [p for p in YAML_FILES if "manifests" in p.parts]


def _inline_manifests() -> list[tuple[str, str]]:
    """The YAML the Kubernetes and Istio tests write to files (string literals with a `kind:`)."""
    found = []
    for source in sorted((ROOT / "tests" / "providers").rglob("test_*.py")):
        if source.name == Path(__file__).name:
            continue
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            text = node.value if isinstance(node, ast.Constant) else None
            if isinstance(text, str) and "kind:" in text and "\n" in text:
                found.append((f"{source.name}:{node.lineno}", textwrap.dedent(text)))
    return found


INLINE = _inline_manifests()


# --- the comparison -------------------------------------------------------------------------------
def _compare(text: str, name: str = "m.yaml") -> str:
    """Assert the fast reader agrees with ruamel on `text`; how it read it: "fast", "lazy"
    (ruamel composed the file for some location) or "refused"."""
    composed = []

    def slow() -> list[yamlsource.NodeDocument]:
        composed.append(True)
        return yamlsource._read_slow(name, text)

    try:
        expected: list[yamlsource.NodeDocument] | None = yamlsource._read_slow(name, text)
    except ManifestError:
        expected = None
    except (TypeError, ValueError):  # ruamel's reader crashes (an unhashable key...)
        expected = None
    documents = fastyaml.read_fast(name, text, slow, unique_keys=True)  # as `read_documents`
    if documents is None:
        return "refused"
    assert expected is not None, "read YAML that ruamel rejects"
    assert len(documents) == len(expected)
    for fast, reference in zip(documents, expected, strict=True):
        assert same(fast.value, reference.value), (fast.value, reference.value)
        for path in paths(reference.value):
            assert fast.locate(path) == reference.locate(path), path
            assert fast.locate_key(path) == reference.locate_key(path), path
    return "lazy" if composed else "fast"


# --- repository manifests and synthetic clusters --------------------------------------------------
@pytest.mark.parametrize("path", YAML_FILES, ids=[str(p.relative_to(ROOT)) for p in YAML_FILES])
def test_repository_yaml_reads_alike(path: Path) -> None:
    """Every YAML and JSON file of the repository (manifests, blueprints, fixtures)."""
    _compare(path.read_text(encoding="utf-8"), str(path))


@pytest.mark.parametrize("path", MANIFEST_FILES, ids=[p.name for p in MANIFEST_FILES])
def test_repository_manifests_take_the_fast_path(path: Path) -> None:
    """Ordinary manifests must not cost a ruamel parse."""
    assert _compare(path.read_text(encoding="utf-8"), str(path)) == "fast"


@pytest.mark.parametrize("where,text", INLINE, ids=[where for where, _ in INLINE])
def test_test_manifests_read_alike(where: str, text: str) -> None:
    """The manifests the provider tests are written with, as they are written to files."""
    _compare(text, where)


def test_inline_manifests_were_found() -> None:
    """The previous test would pass vacuously if the extraction broke."""
    assert len(INLINE) > 50


def test_synthetic_clusters_read_alike_on_the_fast_path(tmp_path: Path) -> None:
    """The benchmark's clusters: the shape the speed is measured on."""
    load_script(ROOT / "benchmarks" / "k8s_synth.py").write_cluster(tmp_path, 150, 40, seed=3)
    for path in sorted(tmp_path.glob("*.yaml")):
        assert _compare(path.read_text(encoding="utf-8"), str(path)) == "fast"


@settings(max_examples=25)
@given(objects=clusters())
def test_generated_clusters_read_alike(objects: list[dict[str, Any]]) -> None:
    """The property tests' clusters, written one JSON document per `---` section."""
    text = "\n---\n".join(json.dumps(o) for o in objects) + "\n"
    assert _compare(text) == "fast"


def test_generated_cluster_files_load_alike(tmp_path: Path) -> None:
    """Through `load_manifests`: the cluster (with its locations) equals ruamel's."""
    folder = tmp_path / "cluster"
    folder.mkdir()
    load_script(ROOT / "benchmarks" / "k8s_synth.py").write_cluster(folder, 60, 20, seed=5)
    fast = load_manifests(folder)
    original = yamlsource.read_fast
    try:
        yamlsource.read_fast = lambda name, text, slow, **rules: None  # type: ignore[assignment]
        slow = load_manifests(folder)
    finally:
        yamlsource.read_fast = original
    assert fast == slow


# --- edge cases -----------------------------------------------------------------------------------
EDGE = """\
a: yes
b: True
c: TRUE
d: Null
e: ~
f:
g: 0x10
h: 0o10
i: 012
j: 1_000
k: .inf
l: -.inf
m: .nan
n: 1e3
o: +5
p: -5
q: ""
r: '80'
s: "80"
t: 80
u: 1.5
v: true
w: null
x: |
  line1
  line2
y: "a \\"q\\" \\t tab é"
z: [1, "2", three, {k: v}]
aa: 2024-01-01
ab: 1.
ac: -0
ad: 'it''s'
ae: "\\u00e9\\x41"
af: >-
  folded
  text
ag: 0.5e-3
ah: NaN
"ai": x
? aj
: y
ak: "multi
  line"
"""

# Each is read alike or refused; most are what rapidyaml reads otherwise than libyaml (`inf` as
# `.inf`, `~` as a string, `]x` as a string, multi-line keys, a blank line inside a flow
# collection...), or layouts whose locations need care (empty values, `{}`, block scalars).
CASES = [
    EDGE,
    "",
    "\n",
    "# only a comment\n",
    "---\n",
    "---\n---\na: 1\n",
    "a: 1\n---\n",
    "a: 1\n--- # two\nb: 2\n",
    "--- {a: 1}\n",
    "--- [a, b]\n",
    "--- |\n  text\n",
    "- a\n- b\n",
    "just text\n",
    '"quoted"\n',
    "k: v\n...\n",
    "...\n",
    "%YAML 1.2\n---\na: 1\n",
    "a: &x 1\nb: *x\n",
    "base: &b {x: 1}\nd:\n  <<: *b\n  y: 2\n",
    "a: !!str 1\n",
    "a: inf\nb: nan\nc: infinity\nd: -inf\n",
    "a: [inf, .Inf, NaN, .NaN]\n",
    "80: a\n",
    "true: a\n",
    "null: a\n",
    "~: a\n",
    '"": a\n',
    ": a\n",
    "1.5: a\n",
    "a: 007\nb: 0e0\nc: .5\nd: 1.\ne: +.5\n",
    "a: 0\nb: -0\nc: 0.0\nd: -1.5e-3\ne: 12345678901234567890\n",
    "a: 1e400\n",
    "a: '0x1F'\nb: \"True\"\nc: '~'\n",
    "a: b\n  c\n\n  d\n",
    "a: b\n\n\n  c\nd: e\n",
    "- b\n\n  c\n",
    'a: "b\n\n  c"\n',
    "a: 'b\n\n\n  c'\n",
    "a: [b\n  c]\n",
    "a: {b: c\n  d}\n",
    "a: [x,\n\n y]\n",
    '{\n"a": 1\n\n}\n',
    "a: {b: -1\n\n}\n",
    "x: {a\n : b}\n",
    'x: {"a\n b": c}\n',
    "x: ['a\n b': c]\n",
    "- 'a\n  b': c\n",
    "{a: 1,\n b\n : 2}\n",
    "k: ]x\n",
    "k: }x\n",
    "- ]\n",
    "k: %x\n",
    "k: @x\n",
    "k: `x\n",
    "k: [@a]\n",
    "k: [a:b]\n",
    "k: {a: b:c}\n",
    "k: {a: x #c}\n",
    "k: [?a]\n",
    "k: [12:30]\n",
    "k: [fe80::1]\n",
    '- "x"  - y\n',
    "- {}  - 8\n",
    "a: | -\n  x\n",
    "a: >  +\n  x\n",
    "a: |1-\n  x\n",
    "a: >2\n   x\n",
    "a: |\n  no final line break",
    "a:\n  - x\n  - |\n    y\n",
    'a:\n  - "x"\n\n      k1: v\n',
    "a:\n- b\n-c\n",
    "a: b: c\n",
    "a:\tb\n",
    "a: b\x01\n",
    "a: \ufeffb\n",
    "a: b\u2028c\n",
    'a: "\\ud800"\n',
    'a: "\\0"\n',
    'a: "\\L"\nb: "\\x85"\n',
    'a: "\\U0001F600 \\/ \\e"\n',
    "a: '\\d+'\n",
    "é: ü\nü: [é, 日本]\nk: {é: 日本語}\n",
    "k: é\nkk: 日本語: x\n",
    "a:\nb: \nc:  # comment\n  \nd: 1\n",
    "a:\n  -\n  - {}\n  - []\n  - - x\n    - {}\n  -\n",
    "- - - a\n    - []\n  - {}\n- {}\n",
    "a: {}\nb: []\nc: { }\nd: [ ]\n",
    "k: {a: }\n",
    "k: {a, b: 1}\n",
    "k: {a: , b: 1}\n",
    "a: [[], {}, [x]]\n",
    "a: [{}, x]\n",
    "a:   |  # comment\n  x\nb:  >+\n\n  y\n\nc: 1\n",
    "x:\n  - |\n    lit\n  - >\n    fold\n",
    "a: x\n\n\n\nb: y\n",
    "a:\n\n  b: c\n",
    "- a: 1\n  b: 2\n- c: 3\n",
    "-   a: 1\n    b: 2\n",
    "a:\n- b: 1\n  c: 2\n- d\n",
    "a: 1  \nb: 2 # c\n",
    "  a: 1\n  b: 2\n",
    "'a b': 1\n\"c d\": 2\nkey : 3\n",
    "a: {\"x\": 1, 'y': 2}\n",
    "a: [1,2,3]\nb: {x: 1,y: 2}\nc: [ 1 , 2 ]\n",
    '{"kind": "Pod", "metadata": {"name": "x"}, "spec": {"containers": [{"name": "c"}]}}\n',
    '{"kind":"Pod","metadata":{"name":"x"}}\n',
    '{\n  "a": [\n    1,\n    {}\n  ]\n}\n',
    "a: 1\na: 2\n",
    "a: {b: 1}\na: [x]\n",
    "a: - b\n",
    "a:\n  b: 1\n c: 2\n",
    "a: 'unclosed\n",
    "a: [unclosed\n",
    "a: {x: 1\n",
    # a block scalar's content at column 0: libyaml indents it by one space at least, so this
    # document-level `|` is empty and `name:` an error (found by test_edited_yaml_reads_alike)
    '|\nname: "web"\n---\n---\nname : []\n',
    "--- >\ntext\n",
    "a: |\nb: 1\n",
    "a: |\n\n  text\nb: 1\n",
]


@pytest.mark.parametrize("text", CASES)
def test_edge_cases_read_alike_or_are_refused(text: str) -> None:
    _compare(text)


@pytest.mark.parametrize(
    "text",
    [
        "a: yes\nb: no\n",
        "a: 80\nb: 1.5\nc: true\nd: null\ne: -1\nf: 1e3\n",
        "a: '80'\nb: \"true\"\nc: ''\n",
        "a: 2024-01-01\nb: 10.0.0.0/8\nc: registry/app:1\nd: a - b\n",
        "a: |\n  x\n  y\nb: >-\n  z\n  w\nc: |+\n  v\n\nd: 1\n",
        'a: [1, "2", three, {k: v}]\nb: {}\nc: []\n',
        "a:\n- x\n-\n- {}\nb:\n  - - y\n    - []\n",
        "é: ü\nü: [é, 日本]\nk: {é: 日本語}\n",
        "a:\nb: {x: }\nc: {y}\n",
        "a: \"\\x41\\u00e9\\t\\\\ \\\"\"\nb: 'it''s'\n",
        '{"kind": "Pod", "metadata": {"name": "x"}}\n',
    ],
)
def test_common_yaml_takes_the_fast_path(text: str) -> None:
    """What manifests commonly hold is read by rapidyaml, not refused."""
    assert _compare(text) in ("fast", "lazy")


# `kubectl get -o yaml` output: quoted `"True"` and numbers, managedFields keys, a block scalar
# list item, a List.
KUBECTL = """\
apiVersion: v1
items:
- apiVersion: v1
  kind: Pod
  metadata:
    annotations:
      kubectl.kubernetes.io/last-applied-configuration: |
        {"apiVersion":"v1","kind":"Pod","metadata":{"annotations":{},"labels":{"app":"web"},"name":"web","namespace":"default"},"spec":{"containers":[{"image":"nginx:1.25","name":"web","ports":[{"containerPort":80}]}]}}
      prometheus.io/port: "9090"
      prometheus.io/scrape: "true"
    creationTimestamp: "2024-05-01T10:00:00Z"
    labels:
      app: web
      pod-template-hash: 7d4b9c
    managedFields:
    - apiVersion: v1
      fieldsType: FieldsV1
      fieldsV1:
        f:metadata:
          f:labels:
            .: {}
            f:app: {}
        f:spec:
          f:containers:
            k:{"name":"web"}:
              .: {}
              f:image: {}
              f:ports:
                k:{"containerPort":80,"protocol":"TCP"}:
                  .: {}
                  f:containerPort: {}
      manager: kubectl-client-side-apply
      operation: Update
      time: "2024-05-01T10:00:00Z"
    name: web
    namespace: default
    resourceVersion: "12345"
    uid: 0b1c2d3e-4f56-7890-abcd-ef0123456789
  spec:
    containers:
    - image: nginx:1.25
      imagePullPolicy: IfNotPresent
      name: web
      ports:
      - containerPort: 80
        protocol: TCP
      resources:
        limits:
          cpu: 500m
          memory: 128Mi
        requests:
          cpu: "0.25"
      env:
      - name: MODE
        value: "production"
      - name: DEBUG
        value: "false"
      - name: RETRIES
        value: "3"
      command: ["/bin/sh", "-c"]
      args:
      - |
        echo starting
        exec nginx -g 'daemon off;'
    dnsPolicy: ClusterFirst
    restartPolicy: Always
    schedulerName: default-scheduler
    securityContext: {}
    terminationGracePeriodSeconds: 30
    tolerations:
    - effect: NoExecute
      key: node.kubernetes.io/not-ready
      operator: Exists
      tolerationSeconds: 300
  status:
    conditions:
    - lastProbeTime: null
      lastTransitionTime: "2024-05-01T10:00:01Z"
      status: "True"
      type: Initialized
    hostIP: 10.0.0.5
    phase: Running
    podIP: 10.244.1.7
    podIPs:
    - ip: 10.244.1.7
    qosClass: Burstable
kind: List
metadata:
  resourceVersion: ""
"""
# Hand-written policies: flow and block styles mixed, comments, `- {}`.
POLICIES = """\
# allow web from frontend
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: allow-web
  namespace: prod
  labels: {team: web, "app.kubernetes.io/part-of": shop}
spec:
  podSelector:
    matchLabels:
      app: web
  policyTypes:
  - Ingress
  - Egress
  ingress:
  - from:
    - namespaceSelector:
        matchExpressions:
        - {key: env, operator: In, values: [prod, staging]}
      podSelector:
        matchLabels: {role: frontend}
    - ipBlock:
        cidr: 172.17.0.0/16
        except:
        - 172.17.1.0/24
    ports:
    - protocol: TCP
      port: 6379
    - port: 8000
      endPort: 9000
  - {}
  egress:
  - to:
    - ipBlock: {cidr: 10.0.0.0/24}
    ports:
    - {protocol: UDP, port: 53}
---
apiVersion: security.istio.io/v1
kind: AuthorizationPolicy
metadata:
  name: httpbin
  namespace: foo
spec:
  selector:
    matchLabels:
      app: httpbin
  action: ALLOW
  rules:
  - from:
    - source:
        principals: ["cluster.local/ns/default/sa/sleep"]
    to:
    - operation:
        methods: ["GET"]
        paths: ["/info*", "*/admin"]
    when:
    - key: request.auth.claims[iss]
      values: ["https://accounts.google.com"]
"""


@pytest.mark.parametrize("text", [KUBECTL, POLICIES], ids=["kubectl", "policies"])
def test_real_world_manifests_take_the_fast_path(text: str) -> None:
    assert _compare(text) == "fast"


def test_long_lists_of_empty_items() -> None:
    """Item positions are found by scanning, not by recursion over the previous items."""
    assert _compare("a:\n" + "- {}\n" * 3000) == "fast"
    assert _compare("a: [" + ", ".join(["{}"] * 3000) + "]\n") == "fast"
    assert _compare("a:\n" + "  -\n" * 3000) == "fast"
    assert _compare("- \n" * 3000) == "lazy"  # a document's own start is not derived


def test_tokens_resolve_like_the_core_schema() -> None:
    """Every plain token of up to two characters, and number-like or keyword tokens, as a
    value, a key and a flow item: rapidyaml's JSON is only trusted where it gives the core
    schema's value (this pins the rapidyaml behaviour `fastyaml` relies on)."""
    alphabet = "019.eE+-xo_~nNtTaI"
    tokens = ["".join(t) for n in (1, 2) for t in itertools.product(alphabet, repeat=n)]
    tokens += [
        *("null", "Null", "NULL", "true", "True", "TRUE", "false", "False", "FALSE", "yes"),
        *("inf", "-inf", "+inf", "infinity", "Infinity", "nan", "NaN", ".inf", ".Inf", "-.INF"),
        *(".nan", ".NaN", ".NAN", "0x1F", "0o17", "0b11", "012", "-012", "1_000", "1e10"),
        *("1E+10", "-1.5e-3", "+1.5", "+.5", "-.5", ".5e3", "1.", "0.", "-0.0", "00", "007"),
        *(
            "0e0",
            "01e1",
            "1e400",
            "12:30",
            "1:2:3",
            "2024-01-01",
            "10.0.0.1",
            "12345678901234567890",
        ),
    ]
    for token in tokens:
        for text in (f"k: {token}\n", f"{token}: v\n", f"k: [{token}]\n", f"- {token}\n"):
            _compare(text)


# --- the reader in its context --------------------------------------------------------------------
def test_invalid_yaml_gets_ruamels_located_error_and_no_noise(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """rapidyaml prints its parse errors on stderr; the user must see ruamel's error only."""
    path = tmp_path / "bad.yaml"
    path.write_text("kind: Pod\nmetadata:\n  name: [unclosed\n", encoding="utf-8")
    with pytest.raises(ManifestError) as raised:
        list(read_documents(path))
    with pytest.raises(ManifestError) as expected:
        yamlsource._read_slow(str(path), path.read_text(encoding="utf-8"))
    assert str(raised.value) == str(expected.value)
    assert f"{path}:4:1: invalid YAML" in str(raised.value)
    assert capfd.readouterr().err == ""


def test_parsing_from_threads_keeps_stderr(capfd: pytest.CaptureFixture[str]) -> None:
    """With other threads running, file descriptor 2 is never pointed away (ruamel reads):
    parsing from threads leaves it as it was and prints nothing."""
    before = os.fstat(2)
    texts = ["a:\n  b: 1\n c: 2\n", "a: 1\n"] * 100
    with ThreadPoolExecutor(8) as pool:
        results = list(pool.map(lambda text: fastyaml.read_fast("m.yaml", text, list), texts))
    after = os.fstat(2)
    assert (before.st_dev, before.st_ino) == (after.st_dev, after.st_ino)
    assert all(result is None for result in results)
    assert capfd.readouterr().err == ""


def test_other_threads_stderr_is_not_lost(capfd: pytest.CaptureFixture[str]) -> None:
    """rapidyaml prints its errors with C's stderr. They used to be hidden by pointing file
    descriptor 2 at /dev/null during every parse, which lost what other threads wrote
    meanwhile; with another thread running, the fast reader now steps aside instead."""
    stop = threading.Event()
    written = [0]

    def write() -> None:
        while not stop.is_set():
            os.write(2, b"x\n")
            written[0] += 1

    # nested deeper than rapidyaml emits (it prints an error), invalid indentation (it fails)
    texts = ["a: " + "[" * 70 + "]" * 70 + "\n", "a:\n  b: 1\n c: 2\n" * 300] * 300
    thread = threading.Thread(target=write)
    thread.start()
    try:
        results = [fastyaml.read_fast("m.yaml", text, list) for text in texts]
    finally:
        stop.set()
        thread.join()
    err = capfd.readouterr().err
    assert "ERROR" not in err
    assert err.count("x\n") == written[0]
    assert results == [None] * len(texts)


def test_one_thread_reads_fast_and_silently(capfd: pytest.CaptureFixture[str]) -> None:
    """Alone, the fast reader points file descriptor 2 away while rapidyaml parses (nothing
    else can write meanwhile) and puts it back."""
    assert threading.active_count() == 1
    before = os.fstat(2)
    assert fastyaml.read_fast("m.yaml", "a: 1\n", list) is not None
    assert fastyaml.read_fast("m.yaml", "a: " + "[" * 70 + "]" * 70 + "\n", list) is None
    assert fastyaml.read_fast("m.yaml", "a:\n  b: 1\n c: 2\n", list) is None
    after = os.fstat(2)
    assert (before.st_dev, before.st_ino) == (after.st_dev, after.st_ino)
    assert capfd.readouterr().err == ""


def test_a_forbidden_character_is_a_located_error(tmp_path: Path) -> None:
    """A control character is refused before any parser sees it, located (columns count
    characters: `é` is one)."""
    path = tmp_path / "bad.yaml"
    path.write_text("kind: Pod\nmetadata:\n  name: é\x01\n", encoding="utf-8")
    with pytest.raises(ManifestError) as raised:
        list(read_documents(path))
    assert str(raised.value) == (
        f"{path}:3:10: character U+0001 (a control character) is not allowed in YAML "
        "(expected printable text: tabs and line breaks are the only control characters)"
    )


def test_read_documents_mixes_both_readers(tmp_path: Path) -> None:
    """A folder where one file needs ruamel (an anchor) and one does not."""
    (tmp_path / "a.yaml").write_text("kind: A\nx: &v 1\ny: *v\n", encoding="utf-8")
    (tmp_path / "b.yaml").write_text("kind: B\n---\nkind: C\n", encoding="utf-8")
    documents = list(read_documents(tmp_path))
    assert [d.value for d in documents] == [
        {"kind": "A", "x": 1, "y": 1},
        {"kind": "B"},
        {"kind": "C"},
    ]
    assert type(documents[0]) is yamlsource.NodeDocument
    assert type(documents[1]) is fastyaml.FastDocument
    assert str(documents[2].locate(("kind",))) == f"{tmp_path / 'b.yaml'}:3:7"
    assert str(documents[2].locate_key(("kind",))) == f"{tmp_path / 'b.yaml'}:3:1"


def test_crlf_and_non_ascii_locations(tmp_path: Path) -> None:
    """Files are read with universal newlines, and columns count characters, as ruamel does."""
    path = tmp_path / "m.yaml"
    path.write_bytes(
        "kind: Pod\r\nmetadata:\r\n  name: é\r\n  labels: {ü: 日本, x: y}\r\n".encode()
    )
    (document,) = read_documents(path)
    assert type(document) is fastyaml.FastDocument
    assert str(document.locate(("metadata", "labels", "x"))) == f"{path}:4:22"
    _compare(path.read_text(encoding="utf-8"))


def test_an_underivable_location_composes_the_file_once() -> None:
    """A document that is a block sequence starting with an empty item has no byte of its own
    in rapidyaml's tree: ruamel composes the file, once, and its locations are used."""
    text = "- \n- x\n- {}\n"
    composed = []

    def slow() -> list[yamlsource.NodeDocument]:
        composed.append(True)
        return yamlsource._read_slow("m.yaml", text)

    (document,) = fastyaml.read_fast("m.yaml", text, slow) or []
    assert str(document.locate((1,))) == "m.yaml:2:3"
    assert not composed
    assert str(document.locate(())) == "m.yaml:1:1"
    assert str(document.locate((0,))) == "m.yaml:1:2"
    assert str(document.locate((2,))) == "m.yaml:3:3"
    assert composed == [True]


def test_provider_import_does_not_load_ruamel() -> None:
    """ruamel is imported only when a file needs it."""
    code = (
        "import sys, crossfence.providers.kubernetes, crossfence.providers.istio\n"
        "assert not [m for m in sys.modules if m.startswith('ruamel')]\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --- generated YAML -------------------------------------------------------------------------------
STRINGS = [
    *("web", "ns-1", "TCP", "10.0.0.0/8", "10.128.0.1", "a b", "é", "日本", "x:y", "a#b"),
    *("it's", 'say "hi"', "80", "0", "-1", "1.5", "1e3", "0x1F", "012", "+5", ".5", "1."),
    *("true", "false", "True", "null", "Null", "~", "", "yes", "inf", "nan", ".inf", "NaN"),
    *("2024-01-01", "registry.example/app:1", "/api/*", "*", "-", "a - b", " lead", "trail "),
    *("multi\nline", "{x}", "[y]", "@at", "%pct", "!bang", "&amp", "?q", "a: b", "- item"),
    *("# hash", "a\\b", "]x", "}"),
]
KEYS = ["name", "namespace", "app", "labels", "spec", "ports", "from", "a-b", "a.b/c", "x y"]
ODD_KEYS = ["80", "true", "null", "~", "", "é", "key: colon", "q'uote", '"dq"', "a#b", "1.5"]

scalars = st.one_of(
    st.sampled_from(STRINGS),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=6),
    st.integers(-(10**6), 10**6),
    st.sampled_from([0.25, -2.0, 1e-3, 1.5e10]),
    st.booleans(),
    st.none(),
)
keys = st.one_of(
    st.sampled_from(KEYS),
    st.sampled_from(ODD_KEYS),
    st.from_regex(r"[a-z][a-zA-Z0-9./-]{0,8}", fullmatch=True),
)
values = st.recursive(
    scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(keys, children, max_size=3)
    ),
    max_leaves=12,
)


class _Writer:
    """YAML for a value, in styles chosen at random: block or flow collections, indented or not
    sequences, plain, quoted or block scalars (valid or not: ruamel is the judge), comments."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.step = rng.choice([2, 2, 4, 3])

    def scalar(self, value: Any, flow: bool) -> str | None:
        rng = self.rng
        if value is None:
            return rng.choice(["null", "~", "", "Null"])
        if isinstance(value, bool | int | float):
            return repr(value).lower() if isinstance(value, bool) else repr(value)
        style = rng.random()
        if style < 0.45 and "\n" not in value:
            return str(value)  # plain, even where that is invalid or means something else
        if style < 0.65:
            return "'" + value.replace("'", "''").replace("\n", "\n\n") + "'"
        if style < 0.9 or flow:
            escaped = value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            return '"' + escaped + '"'
        return None  # a block scalar

    def key(self, key: str) -> str:
        style = self.rng.random()
        if style < 0.75:
            return key
        if style < 0.9:
            return "'" + key.replace("'", "''") + "'"
        return '"' + key.replace("\\", "\\\\").replace('"', '\\"') + '"'

    def comment(self) -> str:
        return self.rng.choice(["", "", "", "", " # note", "  #c"])

    def flow(self, value: Any) -> str:
        rng = self.rng
        if isinstance(value, dict):
            separator = rng.choice([", ", ",", ",\n      "])
            items = (f"{self.key(k)}: {self.flow(v)}" for k, v in value.items())
            return "{" + separator.join(items) + "}"
        if isinstance(value, list):
            return "[" + rng.choice([", ", ","]).join(self.flow(v) for v in value) + "]"
        text = self.scalar(value, flow=True)
        return '""' if text is None else text

    def block(self, value: Any, indent: int, lines: list[str]) -> None:
        pad = " " * indent
        if isinstance(value, dict):
            if not value:
                lines.append(pad + "{}")
            for key, item in value.items():
                if self.rng.random() < 0.05:
                    lines.append(pad + "# a comment line")
                if self.rng.random() < 0.05:
                    lines.append("")
                head = pad + self.key(key) + self.rng.choice([":", ":", " :"])
                self.item(item, indent, lines, head, in_sequence=False)
        elif isinstance(value, list):
            if not value:
                lines.append(pad + "[]")
            for item in value:
                self.item(item, indent, lines, pad + "-", in_sequence=True)
        else:
            self.item(value, indent, lines, pad + "---", in_sequence=True)

    def item(self, value: Any, indent: int, lines: list[str], head: str, in_sequence: bool) -> None:
        rng = self.rng
        step = self.step
        if isinstance(value, dict | list) and value and rng.random() < 0.2:
            lines.append(head + " " + self.flow(value) + self.comment())
        elif isinstance(value, dict | list) and value:
            if in_sequence and rng.random() < 0.5:  # `- key: value` / `- - item`
                inner: list[str] = []
                self.block(value, indent + 2, inner)
                lines.append(head + " " + inner[0][indent + 2 :])
                lines.extend(inner[1:])
            else:
                lines.append(head + self.comment())
                indentless = isinstance(value, list) and not in_sequence and rng.random() < 0.5
                self.block(value, indent + (0 if indentless else step), lines)
        elif isinstance(value, dict | list):
            lines.append(head + " " + ("{}" if isinstance(value, dict) else "[]") + self.comment())
        else:
            text = self.scalar(value, flow=False)
            if text is None:
                lines.append(head + " " + rng.choice(["|", ">", "|-", ">-", "|+"]) + self.comment())
                lines.extend(
                    " " * (indent + step) + part if part else "" for part in value.split("\n")
                )
            else:
                lines.append(head + (" " + text if text else "") + self.comment())

    def stream(self, documents: list[Any]) -> str:
        rng = self.rng
        text = "---\n" if rng.random() < 0.3 else ""
        for i, document in enumerate(documents):
            if i:
                text += rng.choice(["---\n", "--- \n", "---  # next\n", "---\n---\n"])
            lines: list[str] = []
            self.block(document, 0, lines)
            text += "\n".join(lines) + "\n"
        return text


@settings(max_examples=300)
@given(
    documents=st.lists(
        st.dictionaries(keys, values, min_size=1, max_size=4) | values, min_size=1, max_size=3
    ),
    seed=st.integers(0, 2**32),
)
def test_generated_yaml_reads_alike(documents: list[Any], seed: int) -> None:
    _compare(_Writer(random.Random(seed)).stream(documents))


@settings(max_examples=300)
@given(
    documents=st.lists(
        st.dictionaries(st.sampled_from(KEYS), values, min_size=1, max_size=4),
        min_size=1,
        max_size=3,
    ),
    seed=st.integers(0, 2**32),
    edits=st.lists(
        st.tuples(st.floats(0, 1), st.sampled_from(list(" \n\n  -:,[]{}#\"'|>?&é\\x"))), max_size=3
    ),
)
def test_edited_yaml_reads_alike(
    documents: list[Any], seed: int, edits: list[tuple[float, str]]
) -> None:
    """Generated YAML with a few characters inserted: mostly invalid, which the fast reader must
    refuse wherever ruamel fails."""
    text = _Writer(random.Random(seed)).stream(documents)
    for where, char in edits:
        at = int(where * len(text))
        text = text[:at] + char + text[at:]
    _compare(text)
