"""Templated YAML (Helm, figit, envsubst) read as partially known."""
from __future__ import annotations

from pathlib import Path

import pytest

from tiketi_doctor.analysis import helm, k8s
from tiketi_doctor.analysis.environments import environments, selector_matches
from tiketi_doctor.catalogue import load_catalogue_text
from tiketi_doctor.context import ScanContext
from tiketi_doctor.parsing import ParseError
from tiketi_doctor.parsing.templates import OpenDict, Unknown, blank, is_open, is_unknown
from tiketi_doctor.parsing.yamldoc import parse_yaml_documents
from tiketi_doctor.repo import RepoView

HELM = """\
{{- /*
  A comment over
  three lines
*/}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "app.fullname" . }}
  labels:
    {{- include "app.labels" . | nindent 4 }}
spec:
  replicas: {{ .Values.replicas }}
  template:
    metadata:
      labels:
        app: web
    spec:
      {{- if .Values.psp.enabled }}
      serviceAccountName: robot
      {{- end }}
      containers:
        - name: web
          image: "{{ .Values.image.repo }}:{{ .Values.image.tag }}"
          ports:
            - containerPort: {{ .Values.port }}
      {{- with .Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
{{- define "unused" }}
this: [is not yaml
{{- end }}
"""


def test_helm_control_blocks_vanish_and_every_line_stays():
    text = blank(HELM)
    assert text.count("\n") == HELM.count("\n")
    [doc] = parse_yaml_documents(HELM)
    assert doc.template and not doc.opaque
    assert doc.data["kind"] == "Deployment"
    assert doc.key_lines[("kind",)] == 6
    assert doc.key_lines[("spec", "template", "spec", "containers")] == 21
    assert doc.data["spec"]["template"]["spec"]["serviceAccountName"] == "robot"  # both branches are kept
    assert "this" not in doc.data  # a define body is no output


def test_inline_expressions_are_unknown_and_keep_their_text():
    [doc] = parse_yaml_documents(HELM)
    name = doc.data["metadata"]["name"]
    assert is_unknown(name) and name == "anything" and not (name != "anything")
    assert str(name) is name and name.startswith('{{ include "app.fullname"')
    image = doc.data["spec"]["template"]["spec"]["containers"][0]["image"]
    assert is_unknown(image) and image.quoted and [str(p) for p in image.parts] == [".Values.image.repo", ":", ".Values.image.tag"]
    assert is_unknown(doc.data["spec"]["replicas"])


def test_block_expressions_open_their_mapping():
    [doc] = parse_yaml_documents(HELM)
    assert is_open(doc.data["metadata"]["labels"]) and dict(doc.data["metadata"]["labels"]) == {}
    assert is_open(doc.data["spec"]["template"]["spec"]["affinity"])
    assert not is_open(doc.data["spec"]["template"]["metadata"]["labels"])


def test_conditional_branches_setting_one_key_make_it_unknown():
    text = "apiVersion: v1\nkind: Service\nspec:\n  {{ if .Values.nodeport }}\n  type: NodePort\n  {{ else }}\n  type: LoadBalancer\n  {{ end }}\n"
    [doc] = parse_yaml_documents(text)
    assert is_unknown(doc.data["spec"]["type"]) and doc.key_lines[("spec", "type")] == 7


def test_figit_and_envsubst_values_are_unknown_in_kubernetes_objects_only():
    figit = "apiVersion: apps/v1\nkind: Deployment\nspec:\n  image: {{REGISTRY}}/gateway:{{VERSION}}\n  n: 1\n"
    [doc] = parse_yaml_documents(figit)
    assert is_unknown(doc.data["spec"]["image"]) and doc.data["spec"]["n"] == 1
    envsubst = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: ${NAMESPACE}\n"
    [doc] = parse_yaml_documents(envsubst)
    assert is_unknown(doc.data["metadata"]["name"])
    compose = "services:\n  api:\n    image: ${REGISTRY}/api\n"  # compose interpolates by its own rules
    [doc] = parse_yaml_documents(compose)
    assert not is_unknown(doc.data["services"]["api"]["image"]) and not doc.template


def test_a_template_document_that_cannot_be_read_is_opaque_and_the_others_stay():
    text = (
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: a\n---\n"
        "apiVersion: v1\nkind: ConfigMap\ndata:\n  x: [{{ .Values.x }}\n---\n"
        "apiVersion: v1\nkind: Service\nmetadata:\n  name: b\n"
    )
    docs = parse_yaml_documents(text)
    assert [d.opaque for d in docs] == [False, True, False]
    assert [d.data["metadata"]["name"] for d in docs if not d.opaque] == ["a", "b"]
    assert docs[2].key_lines[("metadata", "name")] == 14


def test_yaml_without_template_markers_is_still_malformed():
    with pytest.raises(ParseError):
        parse_yaml_documents("apiVersion: v1\nkind: Service\nmetadata: {name: a\n")


def _write(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root


def _context(root: Path) -> ScanContext:
    text = "version: 1\nname: t\ncomponents:\n  - {name: other, role: service, port: 3000}\n"
    catalogue = load_catalogue_text(text, "tiketi-doctor.yaml", "repository")
    return ScanContext(RepoView(root), catalogue)


CHART = {
    "deploy/chart/Chart.yaml": "apiVersion: v2\nname: shop\nversion: 1.0.0\nappVersion: 2.4.1\n",
    "deploy/chart/values.yaml": "image:\n  repo: robotshop\n  tag: '1.2'\n  pullPolicy: IfNotPresent\nport: 8080\nrelease: true\nmissing: null\n",
    "deploy/chart/templates/web.yaml": (
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: web\nspec:\n  template:\n    spec:\n      containers:\n"
        "        - name: web\n          image: {{ .Values.image.repo }}/rs-web:{{ .Values.image.tag }}\n"
        "          imagePullPolicy: {{ .Values.image.pullPolicy }}\n"
        "          ports:\n            - containerPort: {{ .Values.port }}\n"
        "          env:\n            - {name: A, value: \"{{ .Values.port }}\"}\n"
        "            - {name: B, value: {{ .Values.port | quote }}}\n"
        "            - {name: C, value: {{ .Values.missing }}}\n"
        "            - {name: D, value: {{ .Values.release }}}\n"
        "            - {name: E, value: {{ .Values.image }}}\n"
        "            - {name: F, value: {{ .Values.tag | default .Chart.AppVersion }}}\n"
        '            - {name: G, value: {{ default "info" .Values.logLevel }}}\n'
        "            - {name: H, value: {{ .Values.port | default 80 }}}\n"
        "            - {name: I, value: {{ .Values.port | int }}}\n"
        "            - {name: J, value: {{ .Release.Name }}}\n"
    ),
}


def test_chart_values_fill_plain_value_paths_only(tmp_path):
    ctx = _context(_write(tmp_path, CHART))
    assert helm.chart_of(ctx, "deploy/chart/templates/web.yaml") == "deploy/chart"
    assert helm.chart_of(ctx, "templates/web.yaml") is None
    [obj] = k8s.objects(ctx, "deploy/chart/templates/web.yaml")
    container = obj.get("spec", "template", "spec", "containers", 0)
    assert container["image"] == "robotshop/rs-web:1.2" and not is_unknown(container["image"])
    assert container["imagePullPolicy"] == "IfNotPresent"
    assert container["ports"][0]["containerPort"] == 8080  # Helm's output is YAML: a number
    env = {e["name"]: e["value"] for e in container["env"]}
    assert env["A"] == "8080" and isinstance(env["A"], str) and not is_unknown(env["A"])  # quoted stays a string
    assert env["B"] == "8080" and isinstance(env["B"], str) and not is_unknown(env["B"])  # quote makes a string
    assert is_unknown(env["C"]) and is_unknown(env["E"])  # null, a map
    assert env["D"] is True
    assert env["F"] == "2.4.1" and env["G"] == "info" and env["H"] == 8080  # default, .Chart
    assert is_unknown(env["I"]) and is_unknown(env["J"])  # other functions, .Release
    assert obj.at(("spec", "template", "spec", "containers", 0, "image")).line == 10


def test_each_chart_is_an_environment_of_its_own(tmp_path):
    files = {**CHART, "k8s/api.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: api}\nspec: {selector: {app: api}}\n"}
    ctx = _context(_write(tmp_path, files))
    envs = {env.name: env for env in environments(ctx)}
    assert [o.name for o in envs["manifests"].objects] == ["api"]
    chart = envs["deploy/chart"]
    assert chart.chart == "deploy/chart" and chart.describe() == "the Helm chart deploy/chart"
    assert [o.name for o in chart.objects] == ["web"]


def test_selector_matches_is_undecided_on_unknowns():
    assert selector_matches({"app": "a"}, {"app": "a"}) is True
    assert selector_matches({"app": "a"}, {"app": "b"}) is False
    assert selector_matches({"app": "a"}, {"tier": "x"}) is False
    assert selector_matches({"app": "a"}, {"app": Unknown("{{ .Values.app }}")}) is None
    assert selector_matches({"app": "a"}, OpenDict(tier="x")) is None  # an include may write app
    assert selector_matches({"app": "a"}, OpenDict(app="b")) is False  # known and different
    assert selector_matches({"app": Unknown("{{ x }}")}, {"app": "a"}) is None
    expressions = {"matchExpressions": [{"key": "app", "operator": "In", "values": ["a"]}]}
    assert selector_matches(expressions, OpenDict()) is None
    assert selector_matches(expressions, {"app": "b"}) is False


def test_an_unquoted_action_as_a_value_is_a_template_value_not_a_flow_mapping():
    """`replicas: {{ .Values.n }}` is valid YAML (a flow mapping) without its template meaning."""
    from tiketi_doctor.parsing.templates import Unknown
    from tiketi_doctor.parsing.yamldoc import parse_yaml_documents

    doc = parse_yaml_documents(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec:\n  replicas: {{ .Values.replicas }}\n"
        "  template:\n    spec:\n      containers:\n        - name: web\n          args:\n            - {{ .Values.arg }}\n"
    )[0]
    replicas = doc.data["spec"]["replicas"]
    arg = doc.data["spec"]["template"]["spec"]["containers"][0]["args"][0]
    assert isinstance(replicas, Unknown) and isinstance(arg, Unknown) and doc.template
    assert doc.line(("spec", "replicas")) == 5
    workflow = parse_yaml_documents("jobs:\n  a:\n    steps:\n      - run: echo ${{ github.sha }}\n")[0]
    assert workflow.data["jobs"]["a"]["steps"][0]["run"] == "echo ${{ github.sha }}" and not workflow.template


def test_actions_in_comments_do_not_make_a_file_a_template():
    from tiketi_doctor.parsing.yamldoc import parse_yaml_documents

    doc = parse_yaml_documents('name: x\n# was: {{ .Values.x }}\nimage: "a:1"  # from (image: {{ .Values.image }})\n')[0]
    assert doc.data == {"name": "x", "image": "a:1"} and not doc.template
