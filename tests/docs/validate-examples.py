#!/usr/bin/python3
"""Validates the runtime integration examples under docs/examples/ (docs/runtimes.md).

Usage: validate-examples.py --cv-lsm PATH [--oci-schema-dir DIR] [--repo DIR]

What is checked, each against the real format where a schema exists:
  oci-hooks.d/*.json        tests/docs/oci-hooks-1.0.0.schema.json, a JSON Schema written for
                            this repository from the format description in oci-hooks(5); and
                            its annotation regular expressions select org.cv-lsm.policy
  runc/config.json, the     the OCI runtime-spec config schema shipped by Debian's
  containerd hooks file     golang-github-opencontainers-specs-dev
  JSON blocks of            parse; one with a "status" key is validated against the
  docs/runtimes.md          runtime-spec's state schema (what the hook reads on stdin)
  containerd/*.toml,        parse as TOML; the tables and keys docs/runtimes.md relies on
  cri-o/*.conf
  kubernetes/*.yaml         parse (python3-yaml); each object is checked against the
                            Kubernetes API types generated into Debian's python3-kubernetes
                            (field names, value types and required fields of the API's OpenAPI
                            schema as of that client). This checks structure, not the full
                            schema: enum values, formats (quantities, label syntax) and
                            cross-field rules are the API server's; plus the fields the docs
                            rely on (hostPID, privileged, the host mounts)
  the ConfigMap's policies  `cv-lsm policy validate`, the repository's own parser
  consistency               one hook binary path, one handler name, one node label, and
                            docs/runtimes.md names every example file

A missing validator, schema or binary is a failure, never a skip: exit 1 with what to install.
"""

import argparse
import fnmatch
import json
import os
import pathlib
import re
import subprocess
import sys
import tempfile

DEBIAN_OCI_SCHEMA_DIR = "/usr/share/gocode/src/github.com/opencontainers/runtime-spec/schema"
HOOK_BINARY = "/usr/local/bin/cv-lsm"
HOOK_ARGS = ["cv-lsm", "oci-hook"]
HOOK_STAGES = ["createRuntime", "poststop"]
ANNOTATION = "org.cv-lsm.policy"
HANDLER = "cv-lsm"
NODE_LABEL = ("cv-lsm/bpf-lsm", "true")
POLICY_DIR = "/etc/cv-lsm/policies/"


def die(message):
    print(f"validate-examples: {message}", file=sys.stderr)
    sys.exit(1)


try:
    import jsonschema
except ImportError:
    die("python3-jsonschema is not installed (scripts/install-deps.sh installs it)")
try:
    import yaml
except ImportError:
    die("python3-yaml is not installed (scripts/install-deps.sh installs it)")
try:
    import kubernetes.client as k8s
except ImportError:
    die("python3-kubernetes is not installed (scripts/install-deps.sh installs it)")
try:
    import tomllib
except ImportError:
    die("this Python has no tomllib (Python 3.11 or later, as Debian 12's python3)")


class Checker:
    def __init__(self):
        self.failures = []
        self.checks = 0

    def expect(self, condition, where, message):
        self.checks += 1
        if not condition:
            self.failures.append(f"{where}: {message}")
        return condition


def load_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)


def schema_validator(schema_path):
    if not schema_path.is_file():
        die(f"schema {schema_path} is missing (golang-github-opencontainers-specs-dev "
            "installs the OCI runtime-spec schemas; scripts/install-deps.sh installs it)")
    schema = load_json(schema_path)
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    resolver = jsonschema.RefResolver(base_uri=schema_path.resolve().as_uri(), referrer=schema)
    return cls(schema, resolver=resolver)


def schema_errors(validator, instance):
    return [f"{'/'.join(str(p) for p in e.absolute_path) or '(top)'}: {e.message}"
            for e in sorted(validator.iter_errors(instance), key=lambda e: list(e.path))]


def check_hook_entry(c, where, entry):
    c.expect(entry.get("path") == HOOK_BINARY, where,
             f"hook path is {entry.get('path')!r}, the docs install {HOOK_BINARY}")
    c.expect(entry.get("args") == HOOK_ARGS, where,
             f"hook args are {entry.get('args')!r}, expected {HOOK_ARGS}")


def check_oci_hooks(c, examples, hooks_schema):
    files = sorted((examples / "oci-hooks.d").glob("*.json"))
    c.expect(files, "oci-hooks.d", "no hooks.d file to validate")
    for path in files:
        where = str(path.relative_to(examples.parent.parent))
        doc = load_json(path)
        for error in schema_errors(hooks_schema, doc):
            c.expect(False, where, error)
        if not isinstance(doc, dict) or "hook" not in doc:
            continue
        check_hook_entry(c, where, doc["hook"])
        c.expect(doc.get("stages") == HOOK_STAGES, where,
                 f"stages are {doc.get('stages')!r}, docs/runtimes.md says {HOOK_STAGES}")
        annotations = doc.get("when", {}).get("annotations", {})
        c.expect(annotations, where, f"when.annotations must select {ANNOTATION}")
        for key, value in annotations.items():
            try:
                key_re, value_re = re.compile(key), re.compile(value)
            except re.error as e:
                c.expect(False, where, f"annotation regular expression does not compile: {e}")
                continue
            c.expect(key_re.search(ANNOTATION), where, f"{key!r} does not match {ANNOTATION}")
            c.expect(not key_re.search("org.cv-lsm.policyX"), where, f"{key!r} is not anchored")
            for v in ("minimal", POLICY_DIR + "web-app.json", "policy.json"):
                c.expect(value_re.search(v), where, f"{value!r} does not match the value {v!r}")
            c.expect(not value_re.fullmatch(""), where, f"{value!r} matches an empty value")


def check_runtime_spec(c, examples, config_schema):
    where = "docs/examples/runc/config.json"
    config = load_json(examples / "runc" / "config.json")
    for error in schema_errors(config_schema, config):
        c.expect(False, where, error)
    c.expect(config.get("annotations", {}).get(ANNOTATION), where,
             f"annotation {ANNOTATION} is not set")
    hooks = config.get("hooks", {})
    c.expect(sorted(hooks) == sorted(HOOK_STAGES), where,
             f"hook stages are {sorted(hooks)}, expected {HOOK_STAGES}")
    for stage, entries in hooks.items():
        for i, entry in enumerate(entries):
            check_hook_entry(c, f"{where}: hooks.{stage}[{i}]", entry)

    where = "docs/examples/containerd/cv-lsm-hooks.json"
    fragment = load_json(examples / "containerd" / "cv-lsm-hooks.json")
    c.expect(list(fragment) == ["hooks"], where, "the fragment must hold only \"hooks\"")
    for error in schema_errors(config_schema, {"ociVersion": "1.0.2", **fragment}):
        c.expect(False, where, error)
    c.expect(fragment.get("hooks") == hooks, where,
             "its hooks differ from runc/config.json's: keep the two the same")


def check_doc_json_blocks(c, runtimes_md, state_schema):
    text = runtimes_md.read_text(encoding="utf-8")
    blocks = re.findall(r"^```json\n(.*?)^```", text, flags=re.S | re.M)
    saw_state = False
    for i, block in enumerate(blocks):
        where = f"docs/runtimes.md: json block {i + 1}"
        try:
            doc = json.loads(block)
        except json.JSONDecodeError as e:
            c.expect(False, where, f"not valid JSON: {e}")
            continue
        if isinstance(doc, dict) and "status" in doc:
            saw_state = True
            for error in schema_errors(state_schema, doc):
                c.expect(False, where, f"OCI state: {error}")
    c.expect(saw_state, "docs/runtimes.md", "no JSON block shows the OCI state the hook reads")


def toml_table(doc, *keys):
    for key in keys:
        if not isinstance(doc, dict) or key not in doc:
            return None
        doc = doc[key]
    return doc


def check_toml(c, examples):
    plugin_by_version = {2: "io.containerd.grpc.v1.cri", 3: "io.containerd.cri.v1.runtime"}
    files = sorted((examples / "containerd").glob("*.toml"))
    c.expect(len(files) == 2, "docs/examples/containerd", "expected config-v2.toml and config-v3.toml")
    for path in files:
        where = f"docs/examples/containerd/{path.name}"
        with open(path, "rb") as f:
            doc = tomllib.load(f)
        version = doc.get("version")
        if not c.expect(version in plugin_by_version, where, f"version {version!r} is not 2 or 3"):
            continue
        handler = toml_table(doc, "plugins", plugin_by_version[version], "containerd", "runtimes",
                             HANDLER)
        if not c.expect(isinstance(handler, dict), where,
                        f"no runtime handler {HANDLER} under {plugin_by_version[version]}"):
            continue
        c.expect(handler.get("runtime_type") == "io.containerd.runc.v2", where,
                 "runtime_type is not io.containerd.runc.v2")
        c.expect(str(handler.get("base_runtime_spec", "")).startswith("/"), where,
                 "base_runtime_spec is not an absolute path")
        patterns = handler.get("pod_annotations", [])
        c.expect(any(fnmatch.fnmatchcase(ANNOTATION, p) for p in patterns), where,
                 f"pod_annotations {patterns} do not pass {ANNOTATION} on")
        unknown = set(handler) - {"runtime_type", "base_runtime_spec", "pod_annotations",
                                  "container_annotations", "options"}
        c.expect(not unknown, where, f"keys this check does not know: {sorted(unknown)}")

    where = "docs/examples/cri-o/10-cv-lsm.conf"
    with open(examples / "cri-o" / "10-cv-lsm.conf", "rb") as f:
        doc = tomllib.load(f)
    dirs = toml_table(doc, "crio", "runtime", "hooks_dir") or []
    c.expect("/etc/containers/oci/hooks.d" in dirs, where,
             "hooks_dir does not include /etc/containers/oci/hooks.d")
    handler = toml_table(doc, "crio", "runtime", "runtimes", HANDLER)
    if c.expect(isinstance(handler, dict), where, f"no runtime handler {HANDLER}"):
        path = handler.get("runtime_path", "")
        c.expect(path.startswith("/") and os.path.basename(path) != HANDLER, where,
                 f"runtime_path {path!r} must name the OCI runtime's binary")
        c.expect(handler.get("runtime_type") == "oci", where, "runtime_type is not oci")


class FakeResponse:
    def __init__(self, obj):
        self.data = json.dumps(obj)


def check_k8s_value(c, value, type_name, where):
    if type_name == "object":
        return
    if type_name in ("str", "datetime", "date"):
        c.expect(isinstance(value, str), where, f"expected a string, got {value!r}")
        return
    if type_name == "int":
        c.expect(isinstance(value, int) and not isinstance(value, bool), where,
                 f"expected an integer, got {value!r}")
        return
    if type_name == "float":
        c.expect(isinstance(value, (int, float)) and not isinstance(value, bool), where,
                 f"expected a number, got {value!r}")
        return
    if type_name == "bool":
        c.expect(isinstance(value, bool), where, f"expected true or false, got {value!r}")
        return
    m = re.fullmatch(r"list\[(.+)\]", type_name)
    if m:
        if c.expect(isinstance(value, list), where, f"expected a list, got {value!r}"):
            for i, item in enumerate(value):
                check_k8s_value(c, item, m.group(1), f"{where}[{i}]")
        return
    m = re.fullmatch(r"dict\(str, (.+)\)", type_name)
    if m:
        if c.expect(isinstance(value, dict), where, f"expected a map, got {value!r}"):
            for key, item in value.items():
                check_k8s_value(c, item, m.group(1), f"{where}.{key}")
        return
    model = getattr(k8s, type_name, None)
    if not c.expect(model is not None, where, f"type {type_name} unknown to python3-kubernetes"):
        return
    if not c.expect(isinstance(value, dict), where, f"expected an object ({type_name})"):
        return
    by_json_name = {json_name: attr for attr, json_name in model.attribute_map.items()}
    for key, item in value.items():
        if c.expect(key in by_json_name, where, f"unknown field {key!r} in {type_name}"):
            check_k8s_value(c, item, model.openapi_types[by_json_name[key]], f"{where}.{key}")


K8S_KINDS = {
    ("apps/v1", "DaemonSet"): "V1DaemonSet",
    ("v1", "ConfigMap"): "V1ConfigMap",
    ("v1", "Pod"): "V1Pod",
    ("node.k8s.io/v1", "RuntimeClass"): "V1RuntimeClass",
}


def load_k8s(c, examples):
    objects = {}
    api = k8s.ApiClient()
    for path in sorted((examples / "kubernetes").glob("*.yaml")):
        with open(path, encoding="utf-8") as f:
            docs = [d for d in yaml.safe_load_all(f) if d is not None]
        for doc in docs:
            where = f"docs/examples/kubernetes/{path.name}"
            if not c.expect(isinstance(doc, dict), where, "not a YAML mapping"):
                continue
            kind = (doc.get("apiVersion"), doc.get("kind"))
            where = f"{where} ({kind[1]})"
            model = K8S_KINDS.get(kind)
            if not c.expect(model, where, f"apiVersion/kind {kind} is not one this check knows"):
                continue
            check_k8s_value(c, doc, model, where)
            try:  # required fields, as the client's generated models enforce them
                api.deserialize(FakeResponse(doc), model)
            except (ValueError, TypeError) as e:
                c.expect(False, where, f"python3-kubernetes refuses it: {e}")
            c.expect(kind[1] not in objects, where, f"a second {kind[1]}: expected one")
            objects[kind[1]] = doc
    for kind in ("DaemonSet", "ConfigMap", "Pod", "RuntimeClass"):
        c.expect(kind in objects, "docs/examples/kubernetes", f"no {kind}")
    return objects


def check_daemonset(c, ds, configmap):
    where = "docs/examples/kubernetes/daemonset.yaml"
    spec = ds.get("spec", {}).get("template", {}).get("spec", {})
    c.expect(ds.get("spec", {}).get("updateStrategy", {}).get("type") == "OnDelete", where,
             "updateStrategy must be OnDelete (docs/runtimes.md: upgrades)")
    c.expect(spec.get("hostPID") is True, where, "hostPID is not true")
    c.expect(spec.get("nodeSelector", {}).get(NODE_LABEL[0]) == NODE_LABEL[1], where,
             f"nodeSelector does not require {NODE_LABEL[0]}={NODE_LABEL[1]}")
    host_paths = {v["name"]: v["hostPath"]["path"] for v in spec.get("volumes", [])
                  if "hostPath" in v}
    config_maps = {v["name"]: v["configMap"]["name"] for v in spec.get("volumes", [])
                   if "configMap" in v}

    def mounts_of(container):
        return {m["mountPath"]: m for m in container.get("volumeMounts", [])}

    main = [x for x in spec.get("containers", []) if x.get("securityContext", {}).get("privileged")]
    if not c.expect(len(main) == 1, where, "expected one privileged container"):
        return
    mounts = mounts_of(main[0])
    for path in ("/sys/fs/bpf", "/sys/fs/cgroup", "/sys/kernel/security", "/run"):
        m = mounts.get(path)
        if c.expect(m, where, f"the privileged container does not mount {path}"):
            c.expect(host_paths.get(m["name"]) == path, where,
                     f"{path} is not the node's {path} (hostPath)")
    bpffs = mounts.get("/sys/fs/bpf", {})
    c.expect(bpffs.get("mountPropagation") == "Bidirectional", where,
             "/sys/fs/bpf needs mountPropagation Bidirectional (load may mount bpffs)")
    c.expect(any(host_paths.get(m["name"]) == "/etc/cv-lsm" for m in mounts.values()), where,
             "the node's /etc/cv-lsm (policies) is not mounted")
    cm = [config_maps.get(m["name"]) for m in mounts.values() if m["name"] in config_maps]
    c.expect(cm == [configmap.get("metadata", {}).get("name")], where,
             "does not mount the ConfigMap of configmap.yaml")
    installs = [x for x in spec.get("initContainers", [])
                if any(host_paths.get(m["name"]) == os.path.dirname(HOOK_BINARY)
                       for m in x.get("volumeMounts", []))]
    c.expect(installs, where, f"no init container mounts the node's {os.path.dirname(HOOK_BINARY)}")
    c.expect(ds.get("metadata", {}).get("namespace") == configmap.get("metadata", {}).get("namespace"),
             where, "the DaemonSet and the ConfigMap are in different namespaces")


def check_policies(c, configmap, pod, runtimeclass, cv_lsm):
    where = "docs/examples/kubernetes/configmap.yaml"
    data = configmap.get("data", {})
    names = [k for k in data if k.endswith(".json")]
    c.expect(names, where, "no policy file (*.json key)")
    with tempfile.TemporaryDirectory() as tmp:
        for name in names:
            path = pathlib.Path(tmp) / name
            path.write_text(data[name], encoding="utf-8")
            result = subprocess.run([cv_lsm, "policy", "validate", str(path)],
                                    capture_output=True, text=True)
            c.expect(result.returncode == 0, f"{where}: {name}",
                     f"cv-lsm policy validate exit {result.returncode}: "
                     f"{(result.stdout + result.stderr).strip()}")

    where = "docs/examples/kubernetes/pod.yaml"
    policy = pod.get("metadata", {}).get("annotations", {}).get(ANNOTATION, "")
    c.expect(policy.startswith(POLICY_DIR) and policy[len(POLICY_DIR):] in names, where,
             f"annotation {ANNOTATION}={policy!r} is not a policy file the ConfigMap installs")
    c.expect(pod.get("spec", {}).get("runtimeClassName") ==
             runtimeclass.get("metadata", {}).get("name"), where,
             "runtimeClassName is not the RuntimeClass of runtimeclass.yaml")
    where = "docs/examples/kubernetes/runtimeclass.yaml"
    c.expect(runtimeclass.get("handler") == HANDLER, where, f"handler is not {HANDLER}")
    c.expect(runtimeclass.get("scheduling", {}).get("nodeSelector", {}).get(NODE_LABEL[0]) ==
             NODE_LABEL[1], where, f"scheduling does not require {NODE_LABEL[0]}={NODE_LABEL[1]}")


def check_docs_name_examples(c, repo, examples):
    text = (repo / "docs" / "runtimes.md").read_text(encoding="utf-8")
    for path in sorted(p for p in examples.rglob("*") if p.is_file()):
        rel = str(path.relative_to(repo))
        c.expect(rel in text, "docs/runtimes.md", f"does not mention {rel}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cv-lsm", required=True, help="the cv-lsm binary to validate policies")
    parser.add_argument("--oci-schema-dir", default=DEBIAN_OCI_SCHEMA_DIR)
    parser.add_argument("--repo", default=str(pathlib.Path(__file__).resolve().parents[2]))
    args = parser.parse_args()

    repo = pathlib.Path(args.repo)
    examples = repo / "docs" / "examples"
    if not os.access(args.cv_lsm, os.X_OK):
        die(f"cv-lsm binary {args.cv_lsm} is missing or not executable")
    if not (repo / "docs" / "runtimes.md").is_file() or not examples.is_dir():
        die(f"{repo} has no docs/runtimes.md or docs/examples/")
    oci_dir = pathlib.Path(args.oci_schema_dir)
    config_schema = schema_validator(oci_dir / "config-schema.json")
    state_schema = schema_validator(oci_dir / "state-schema.json")
    hooks_schema = schema_validator(repo / "tests" / "docs" / "oci-hooks-1.0.0.schema.json")

    c = Checker()
    check_oci_hooks(c, examples, hooks_schema)
    check_runtime_spec(c, examples, config_schema)
    check_doc_json_blocks(c, repo / "docs" / "runtimes.md", state_schema)
    check_toml(c, examples)
    objects = load_k8s(c, examples)
    if all(k in objects for k in ("DaemonSet", "ConfigMap", "Pod", "RuntimeClass")):
        check_daemonset(c, objects["DaemonSet"], objects["ConfigMap"])
        check_policies(c, objects["ConfigMap"], objects["Pod"], objects["RuntimeClass"],
                       args.cv_lsm)
    check_docs_name_examples(c, repo, examples)

    for failure in c.failures:
        print(f"FAIL {failure}")
    print(f"validate-examples: {c.checks - len(c.failures)} passed, {len(c.failures)} failed")
    return 1 if c.failures else 0


if __name__ == "__main__":
    sys.exit(main())
