"""Container templates: one KFP executor as called by one task.

Two shapes, chosen per component:
* direct: no `{{$}}`; every placeholder is translated here, run-time values arrive in env vars and
  are referenced as `$(KFPC_IN_x)` so the kubelet delivers them byte-for-byte. Works with any image.
* launcher: the component needs an ExecutorInput (`{{$}}`, Python components); the in-pod launcher
  (runtime/launcher.py.j2, with kfpc's executor core) builds it and runs the component's command unchanged. Needs python3 in the image,
  which such components already require.
Templates are rendered per task and deduplicated afterwards, so tasks that use the same executor
the same way share one template.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from kfpc.errors import UnsupportedError
from kfpc.plan.model import (
    Arg, Concat, Constant, ContainerComponent, ExecutorInput, ExecutorOutputFile, IfPresent, InputArtifactRef,
    InputValue, OutputArtifactRef, OutputParamFile, Runtime, RuntimeKind, Task, TextTemplate,
)
from kfpc.plan.values import text_form

from kfpc_backends.argo import collect, escape, shapes, values, wire

OUTPUTS = "/kfpc/outputs"
INPUTS = "/kfpc/inputs"
META_DIR = OUTPUTS + "/.kfpc"
LAUNCHER_ENV = "KFPC_LAUNCHER"
SPEC_ENV = "KFPC_SPEC"
VOLUME = "kfpc-outputs"
OCI_DIR = "/kfpc/oci"
OCI_VOLUME = "kfpc-oci"
# A template annotation Argo 3.7+ shows as its node's name (pkg/apis/workflow/v1alpha1/workflow_types.go:
# 957-962, 4426 @v4.1.2; workflow/controller/operator.go:2262-2272 @v4.1.2, which fails the node unless
# the name matches DISPLAY_NAME_SHAPE, operator.go:2951 @v4.1.2).
DISPLAY_NAME = "workflows.argoproj.io/display-name"
ARGS_LIMIT = 120_000  # Argo v3.7.10+ offloads args past 128 KiB, and then the kubelet does not expand them

# Run-time values a container can read, as the Argo tag that provides each one.
RUNTIME_TAGS = {
    RuntimeKind.JOB_NAME: "{{workflow.name}}",
    RuntimeKind.JOB_RESOURCE_NAME: "{{workflow.name}}",
    RuntimeKind.JOB_UUID: "{{workflow.uid}}",
    RuntimeKind.TASK_UUID: "{{pod.name}}",
    RuntimeKind.CREATE_TIME: "{{workflow.creationTimestamp}}",
    RuntimeKind.SCHEDULE_TIME: "{{workflow.creationTimestamp}}",
}


def runtime_tag(kind: RuntimeKind, parent_run: bool) -> str:
    """The tag of a run-time value; in a child Workflow the run's, from its parent (values.RUN_PARAMS)."""
    if parent_run and kind in values.RUN_PARAMS:
        return f"{{{{workflow.parameters.{values.RUN_PARAMS[kind]}}}}}"
    return RUNTIME_TAGS[kind]


def meta_param(artifact: str) -> str:
    return f"kfpc-meta-{artifact}"


def env_name(prefix: str, name: str) -> str:
    return prefix + "".join(c if c.isalnum() or c == "_" else "_" for c in name)


@dataclass
class Call:
    """What a template needs to know about the task that calls it."""

    task: Task
    imported: dict[str, dict[str, Any]]  # input artifact -> static info of an importer source
    pipeline_root: str
    keyed: bool = False  # artifacts get deterministic keys (the pipeline collects artifacts, collect.py)
    memo: Any = None  # where the task is memoized (memo.Cache), or None
    ids: bool = False  # the task reports its pod: a memoized task reads its artifacts (memo.id_producers)
    display_name: str | None = None  # set_display_name, in a form Argo shows (workflow.shown_name)
    parent_run: bool = False  # in a child Workflow: run-time values are the parent's (runtime_tag)


def launcher_features(component: ContainerComponent, call: Call) -> set[str]:
    """The optional launcher parts this call needs (backends/argo/runtime/launcher.py.j2)."""
    from kfpc.plan.placeholders import walk

    features = set()
    if any(b.is_list for b in call.task.artifacts):
        features.add("lists")
    if call.imported:
        features.add("imports")
    if any(not isinstance(leaf, (str, ExecutorInput, ExecutorOutputFile))
           for arg in component.command + component.args for leaf in walk(arg)):
        features.add("placeholders")
    return features


def reads_task_name(component: ContainerComponent) -> bool:
    """Whether the component's command or arguments hold the task's name (a run-time value): the
    same for every component of one `digest`, which covers its command and arguments, so a renderer
    asks once per digest (the SDK writes one copy of a component per task)."""
    from kfpc.plan.placeholders import walk

    return any(isinstance(leaf, Runtime) for arg in component.command + component.args for leaf in walk(arg))


def call_signature(component: ContainerComponent, call: Call, reads_name: bool) -> tuple:
    """Everything about a call that changes the rendered template (render() reads nothing else);
    `reads_name` is reads_task_name(component)."""
    iface = component.interface
    params = tuple((b.name, b.source.kind.value if isinstance(b.source, Runtime) else "")
                   for b in call.task.params if iface.in_param(b.name) is not None)
    arts = tuple((b.name, b.type.schema_title, b.type.schema_version, b.is_list)
                 for b in call.task.artifacts if iface.in_artifact(b.name) is not None)
    uses_task_name = reads_name or any(kind for _, kind in params)
    retry = call.task.retry
    return (component.digest, "" if component.resources.empty else repr(component.resources), params, arts,
            tuple(sorted((k, tuple(sorted(v.items()))) for k, v in call.imported.items())),
            (retry.max_count, retry.backoff_seconds, retry.factor, retry.max_backoff_seconds) if retry else None,
            call.task.key if uses_task_name else None, call.keyed, call.pipeline_root,
            repr(call.task.k8s) if call.task.k8s is not None else None,
            (call.memo, call.task.caching.keyed_inputs, call.task.caching.custom_key is not None)
            if call.memo and call.task.caching else None, call.ids, call.display_name)


def render(component: ContainerComponent, call: Call) -> dict[str, Any]:
    builder = _Builder(component, call)
    return builder.build()


class _Builder:
    def __init__(self, component: ContainerComponent, call: Call):
        self.c = component
        self.call = call
        self.task = call.task
        self.bound = {b.name: b for b in self.task.params if component.interface.in_param(b.name) is not None}
        self.artifacts = {b.name: b for b in self.task.artifacts if component.interface.in_artifact(b.name)}
        self.env: list[dict[str, Any]] = [{"name": escape.LBRACE_ENV, "value": "{"}]
        self.env_names: set[str] = {escape.LBRACE_ENV}
        self.inputs: list[dict[str, Any]] = []
        self.runtime_env: dict[str, str] = {}

    # -- values -----------------------------------------------------------------------------

    def value_ref(self, name: str) -> str | None:
        """`$(VAR)` holding the K-decoded text of input `name`, or None when nothing supplies it."""
        binding = self.bound.get(name)
        if binding is None:
            return None
        var = env_name(wire.Env.INPUT, name)
        if var in self.env_names:
            return f"$({var})"
        source = binding.source
        if isinstance(source, Runtime) and source.kind in RUNTIME_TAGS:
            value = runtime_tag(source.kind, self.call.parent_run)
        elif isinstance(source, Runtime) and source.kind is RuntimeKind.TASK_NAME:
            value = escape.literal(self.task.key)
        else:
            self.inputs.append({"name": name})
            value = escape.tag(f"inputs.parameters[{escape.string_literal(name)}]")
        self.env.append({"name": var, "value": value})
        self.env_names.add(var)
        return f"$({var})"

    def meta_ref(self, artifact: str) -> str:
        var = env_name(wire.Env.ARTIFACT_META, artifact)
        if var not in self.env_names:
            self.inputs.append({"name": meta_param(artifact)})
            self.env.append({"name": var, "value": escape.tag(f"inputs.parameters[{escape.string_literal(meta_param(artifact))}]")})
            self.env_names.add(var)
        return var

    def list_ref(self, artifact: str) -> str:
        """Env var holding the list descriptor (collect.py) the launcher reads the list's depth from."""
        var = env_name(wire.Env.ARTIFACT_LIST, artifact)
        if var not in self.env_names:
            name = collect.list_param(artifact)
            self.inputs.append({"name": name})
            self.env.append({"name": var, "value": escape.tag(f"inputs.parameters[{escape.string_literal(name)}]")})
            self.env_names.add(var)
        return var

    def runtime_ref(self, kind: RuntimeKind) -> str:
        if kind is RuntimeKind.TASK_NAME:
            return escape.literal(self.task.key, adjacent=True)
        if kind is RuntimeKind.PIPELINE_ROOT:
            return escape.literal(self.call.pipeline_root, adjacent=True)
        if kind is RuntimeKind.WORKSPACE_PATH:
            return "/kfp-workspace"
        return runtime_tag(kind, self.call.parent_run)

    # -- direct command lines ---------------------------------------------------------------

    def present(self, name: str) -> bool:
        return name in self.bound or name in self.artifacts

    def elements(self, arg: Arg) -> list[str]:
        """One placeholder tree -> zero or more argv strings (K-form)."""
        from kfpc.plan.placeholders import command_elements

        return command_elements(arg, self.present, self.text)

    def text(self, arg: Arg) -> str:
        if isinstance(arg, str):
            return escape.literal(arg, adjacent=True)
        if isinstance(arg, (Concat, IfPresent)):
            from kfpc.plan.placeholders import command_text

            return command_text(arg, self.present, self.text)
        if isinstance(arg, InputValue):
            return self.value_ref(arg.name) or ""
        if isinstance(arg, InputArtifactRef):
            if arg.attr == "path":
                return self.local_path(arg.name)
            if arg.attr == "uri":
                info = self.call.imported.get(arg.name)
                if info is None:
                    return self.local_path(arg.name)
                return escape.literal(info["uri"], adjacent=True) if info.get("uri") is not None \
                    else f"$({self.imported_uri_env(arg.name)})"
            return self.metadata_text(arg)
        if isinstance(arg, OutputParamFile):
            return f"{OUTPUTS}/{arg.name}"
        if isinstance(arg, OutputArtifactRef):
            if arg.attr in ("path", "uri"):
                return f"{OUTPUTS}/{arg.name}"
            return "{}" if arg.key is None else ""
        if isinstance(arg, Runtime):
            return self.runtime_ref(arg.kind)
        raise UnsupportedError(f"component {self.c.ir_key!r} uses {type(arg).__name__}, which needs the in-pod "
                               "launcher", path=(self.task.path,))

    def imported_uri_env(self, artifact: str) -> str:
        """The URI of an imported artifact known only at run time, from its info parameter."""
        var = env_name("KFPC_AU_", artifact)
        if var not in self.env_names:
            if meta_param(artifact) not in {i["name"] for i in self.inputs}:
                self.inputs.append({"name": meta_param(artifact)})
            self.env.append({"name": var, "value": escape.tag(escape.k_expr(self.imported_uri_expr(artifact)))})
            self.env_names.add(var)
        return var

    def imported_uri_expr(self, artifact: str) -> str:
        info = escape.u_expr(f"inputs.parameters[{escape.string_literal(meta_param(artifact))}]")
        return f"fromJSON({info})['uri']"

    def local_path(self, artifact: str) -> str:
        info = self.call.imported.get(artifact, {})
        if info.get("workspace"):
            return self.workspace_path(artifact, info)
        if info.get("scheme") == "oci":
            return f"{OCI_DIR}/{artifact}"
        return f"{INPUTS}/{artifact}"

    def workspace_path(self, artifact: str, info: dict[str, Any]) -> str:
        """Where KFP's importer left the artifact in its workspace (kfpc/plan/workspace.py)."""
        from kfpc.plan import workspace

        from kfpc_backends.argo import imports

        if info.get("uri") is not None:
            return escape.literal(workspace.path_for(info["uri"]) or "", adjacent=True)
        var = env_name("KFPC_AP_", artifact)
        if var not in self.env_names:
            if meta_param(artifact) not in {i["name"] for i in self.inputs}:
                self.inputs.append({"name": meta_param(artifact)})
            path = imports.path_expression(self.imported_uri_expr(artifact))
            self.env.append({"name": var, "value": escape.tag(escape.k_expr(path))})
            self.env_names.add(var)
        return f"$({var})"

    def oci_init_containers(self) -> list[dict[str, Any]]:
        """oci:// models (KServe modelcars) are images: an init container copies their /models into
        a volume the component reads, as KFP lays them out (`<path>/models`)."""
        out = []
        for name, info in sorted(self.call.imported.items()):
            if info.get("scheme") != "oci" or name not in self.artifacts:
                continue
            if info.get("uri") is not None:
                image = info["uri"][len("oci://"):]
            else:
                if meta_param(name) not in {i["name"] for i in self.inputs}:
                    self.inputs.append({"name": meta_param(name)})
                image = escape.tag(f"sprig.trimPrefix('oci://', {self.imported_uri_expr(name)})")
            out.append({"name": env_name("kfpc-oci-", name).replace("_", "-").lower()[:63], "image": image,
                        "command": ["sh", "-c", f"mkdir -p {OCI_DIR}/{name} && cp -R /models {OCI_DIR}/{name}/"],
                        "volumeMounts": [{"name": OCI_VOLUME, "mountPath": OCI_DIR}]})
        return out

    def metadata_text(self, arg: InputArtifactRef) -> str:
        """Direct containers get metadata through an env var that the DAG task fills from the producer."""
        if arg.name not in self.artifacts:
            return ""
        var = env_name("KFPC_AMD_", arg.name + ("_" + arg.key if arg.key else ""))
        if var not in self.env_names:
            if meta_param(arg.name) not in {i["name"] for i in self.inputs}:
                self.inputs.append({"name": meta_param(arg.name)})
            meta = f"fromJSON({escape.u_expr('inputs.parameters[' + escape.string_literal(meta_param(arg.name)) + ']')})"
            value = f"({meta}['metadata'] ?? {{}})"
            if arg.key is not None:
                picked = f"{value}[{escape.string_literal(arg.key)}]"
                text = f"(sprig.kindIs('string', {picked}) ? {picked} : toJson({picked}))"
            else:
                text = f"toJson({value})"
            self.env.append({"name": var, "value": escape.tag(escape.k_expr(text))})
            self.env_names.add(var)
        return f"$({var})"

    # -- template ---------------------------------------------------------------------------

    def build(self) -> dict[str, Any]:
        c = self.c
        if c.needs_launcher:
            command, args = self.launcher_command()
        else:
            command = [e for a in c.command for e in self.elements(a)]
            args = [e for a in c.args for e in self.elements(a)]
        if sum(len(a) + 4 for a in command + args) > ARGS_LIMIT:
            raise UnsupportedError(f"the command line of component {c.ir_key!r} is larger than 120 KiB; Argo "
                                   "v3.7.10+ would offload it and the kubelet would no longer decode it",
                                   path=(self.task.path,))
        for name, tmpl in c.env:
            self.env.append({"name": name, "value": "".join(self.template_text(part) for part in tmpl)})
        container: dict[str, Any] = {"image": self.image()}
        if command:
            container["command"] = command
        if args:
            container["args"] = args
        container["env"] = self.env
        resources, patch = self.resources()
        if resources:
            container["resources"] = resources
        # Outputs go to an emptyDir (mounted in every pod by the workflow's podSpecPatch, see
        # workflow.py): its directory exists in any image, for any user.
        init = self.oci_init_containers()
        mounts: list[dict[str, Any]] = []
        volumes: list[dict[str, Any]] = []
        if init:
            mounts.append({"name": OCI_VOLUME, "mountPath": OCI_DIR})
            volumes.append({"name": OCI_VOLUME, "emptyDir": {}})
        if mounts:
            container["volumeMounts"] = mounts
        pod: dict[str, Any] = {}  # template fields the kfp-kubernetes settings ask for
        if self.task.k8s is not None:
            patch = self.apply_k8s(self.task.k8s, container, pod, volumes, patch)
        memoize = self.memoize([container, init, volumes, pod, patch])
        template: dict[str, Any] = {"name": c.name}
        if self.call.display_name:
            template["metadata"] = {"annotations": {DISPLAY_NAME: self.call.display_name}}
        inputs = self.template_inputs()
        if inputs:
            template["inputs"] = inputs
        outputs = self.template_outputs()
        if outputs:
            template["outputs"] = outputs
        if init:
            template["initContainers"] = init
        template["container"] = container
        if volumes:
            template["volumes"] = volumes
        template.update(pod)
        if patch:
            template["podSpecPatch"] = patch
        retry = self.retry()
        if retry:
            template["retryStrategy"] = retry
        if memoize:
            template["memoize"] = memoize
        return template

    def memoize(self, body: list[Any]) -> dict[str, Any] | None:
        """The memoization key reads the fingerprint, every run-time parameter, who produced each
        input artifact, and the run's values the pod reads outside its inputs (memo.py); all of
        them become template inputs."""
        from kfpc_backends.argo import memo

        caching = self.task.caching
        if not self.call.memo or caching is None:
            return None
        keyed = [memo.FINGERPRINT] + [memo.id_input(name) for name in caching.keyed_inputs if name in self.artifacts]
        for name in keyed:
            if not any(i["name"] == name for i in self.inputs):
                self.inputs.append({"name": name})
        run = memo.run_values(body)
        if caching.custom_key is None:  # a custom key stands for every input, as in KFP
            self.inputs.append({"name": memo.RUN_VALUES, "default": run})
        if any(i["name"] in (collect.PATH, collect.IDX) for i in self.inputs):
            raise AssertionError("per-run paths in a memoized template's inputs")  # memo.memoizable keeps them out
        return memo.memoize(self.call.memo, caching.custom_key is not None)

    def apply_k8s(self, config: Any, container: dict[str, Any], pod: dict[str, Any], volumes: list[dict[str, Any]],
                  patch: str | None) -> str | None:
        """kfp-kubernetes settings (k8s.py); returns the podSpecPatch with their run-time parts added."""
        from kfpc_backends.argo import k8s

        applier = k8s.Applier(config, lambda name: escape.u_expr(f"inputs.parameters[{escape.string_literal(name)}]"))
        scratch: dict[str, Any] = {}
        applier.apply(scratch, container)
        volumes.extend(scratch.pop("volumes", []))
        init = scratch.pop("initContainers", [])
        if init:
            pod["initContainers"] = init
        pod.update(scratch)
        self.inputs += [{"name": n} for n in applier.inputs]
        if not applier.patch:
            return patch
        parts = ", ".join(applier.patch)
        return patch[:-1] + ", " + parts + " }" if patch else "{" + parts + " }"

    def template_text(self, part: str | InputValue) -> str:
        if isinstance(part, str):
            return escape.literal(part, adjacent=True)
        return self.value_ref(part.name) or ""

    def image(self) -> str:
        parts = self.c.image
        if all(isinstance(x, str) for x in parts):
            return "".join(parts)  # type: ignore[arg-type]
        return escape.tag(" + ".join(escape.string_literal(x) if isinstance(x, str) else self.raw_input(x.name)
                                     for x in parts))

    def raw_input(self, name: str) -> str:
        """Raw text of an input inside an expression (image, resources: places the kubelet never decodes)."""
        if name not in self.bound:
            return "''"
        source = self.bound[name].source
        if isinstance(source, Constant):
            return escape.string_literal(text_form(source.value))
        if not any(i["name"] == name for i in self.inputs):
            self.inputs.append({"name": name})
        return escape.u_expr(f"inputs.parameters[{escape.string_literal(name)}]")

    def static_text(self, tmpl: TextTemplate) -> str | None:
        """The text of a template when it does not depend on run-time values."""
        out = []
        for part in tmpl:
            if isinstance(part, str):
                out.append(part)
            else:
                binding = self.bound.get(part.name)
                if binding is None or not isinstance(binding.source, Constant):
                    return None
                out.append(text_form(binding.source.value))
        return "".join(out)

    def resources(self) -> tuple[dict[str, Any], str | None]:
        asked = self.c.resources
        fields = {("limits", "cpu"): asked.cpu_limit, ("requests", "cpu"): asked.cpu_request,
                  ("limits", "memory"): asked.memory_limit, ("requests", "memory"): asked.memory_request}
        static: dict[str, dict[str, str]] = {}
        dynamic: dict[str, dict[str, str]] = {}
        for (kind, key), tmpl in fields.items():
            if tmpl is None:
                continue
            text = self.static_text(tmpl)
            if text is not None:
                if text:
                    static.setdefault(kind, {})[key] = text
            else:
                dynamic.setdefault(kind, {})[key] = self.expr_text(tmpl)
        if asked.accelerator_type is not None:
            acc_type = self.static_text(asked.accelerator_type)
            count_tmpl = asked.accelerator_count or ("1",)
            count = self.static_text(count_tmpl)
            if acc_type is not None and count is not None:
                if count not in ("", "0"):
                    static.setdefault("limits", {})[acc_type] = count
            else:
                key = acc_type if acc_type is not None else self.expr_text(asked.accelerator_type)
                dynamic.setdefault("limits", {})[key] = count if count is not None else self.expr_text(count_tmpl)
        patch = None
        if dynamic:
            patch = json.dumps({"containers": [{"name": "main", "resources": dynamic}]}, separators=(",", ":"))
        return {kind: dict(sorted(amounts.items())) for kind, amounts in sorted(static.items())}, patch

    def expr_text(self, tmpl: TextTemplate) -> str:
        """A run-time value inside the podSpecPatch, which is JSON inside the template's JSON."""
        return escape.tag(escape.single_quoted(" + ".join(
            escape.string_literal(part) if isinstance(part, str) else self.raw_input(part.name) for part in tmpl)))

    def template_inputs(self) -> dict[str, Any]:
        if self.call.keyed and self.c.interface.out_artifacts:
            self.inputs += [{"name": collect.PATH}, {"name": collect.IDX}]
        params = sorted({i["name"]: i for i in self.inputs}.values(), key=lambda i: i["name"])
        arts = []
        for name, binding in sorted(self.artifacts.items()):
            if self.call.imported.get(name, {}).get("scheme") == "oci" or self.call.imported.get(name, {}).get("workspace"):
                continue  # copied by an init container, or read in KFP's workspace
            # Bytes arrive exactly as they were produced or imported: Argo must never unpack them.
            entry: dict[str, Any] = {"name": name, "path": f"{INPUTS}/{name}", "archive": {"none": {}}}
            if binding.is_list:
                entry["optional"] = True  # a loop that produced nothing leaves nothing to download
                arts.append(entry)
                arts.append({"name": meta_param(name), "path": f"{INPUTS}/.kfpc-meta-{name}", "optional": True,
                             "archive": {"none": {}}})
                continue
            arts.append(entry)
        return shapes.io(params, arts)

    def template_outputs(self) -> dict[str, Any]:
        iface = self.c.interface
        params = [{"name": q.name, "valueFrom": {"path": f"{OUTPUTS}/{q.name}"}} for q in iface.out_params]
        if self.call.ids and iface.out_artifacts:
            from kfpc_backends.argo import memo

            params.append(memo.producer_output())
        if self.c.needs_launcher:
            params += [{"name": meta_param(art.name), "valueFrom": {"path": f"{META_DIR}/meta-{art.name}"}}
                       for art in iface.out_artifacts]
        arts = []
        for art in iface.out_artifacts:
            arts.append(self.output_artifact(art.name, f"{OUTPUTS}/{art.name}", collect.data_output(art.name)))
            if self.call.keyed and self.c.needs_launcher:
                arts.append(self.output_artifact(meta_param(art.name), f"{META_DIR}/meta-{art.name}",
                                                 collect.meta_output(art.name)))
        return shapes.io(params, arts)

    def output_artifact(self, name: str, path: str, key_name: str) -> dict[str, Any]:
        entry: dict[str, Any] = {"name": name, "path": path, "archive": {"none": {}}}
        if self.call.keyed:
            entry["s3"] = {"key": collect.key(f"{{{{inputs.parameters.{collect.PATH}}}}}", key_name,
                                              f"{{{{inputs.parameters.{collect.IDX}}}}}")}
        return entry

    def retry(self) -> dict[str, Any] | None:
        policy = self.task.retry
        if policy is None or policy.max_count <= 0:
            return None
        # IntOrString fields are written as strings: schema.json types them as strings.
        strategy: dict[str, Any] = {"limit": str(policy.max_count), "retryPolicy": "Always"}
        if policy.backoff_seconds > 0:
            backoff: dict[str, Any] = {"duration": _duration(policy.backoff_seconds)}
            if policy.factor > 0:
                factor = policy.factor
                backoff["factor"] = str(int(factor)) if float(factor).is_integer() else str(factor)
            if policy.max_backoff_seconds > 0:
                backoff["maxDuration"] = _duration(policy.max_backoff_seconds)
            strategy["backoff"] = backoff
        return strategy

    # -- launcher ---------------------------------------------------------------------------

    def launcher_command(self) -> tuple[list[str], list[str]]:
        from kfpc.runtime import bootstrap

        component = self.c
        # The launcher finds each value and artifact fact in env vars named by wire.Env.
        spec_params = []
        for q in component.interface.in_params:
            if q.name in self.bound:
                self.value_ref(q.name)
                spec_params.append([q.name, q.type.value])
        spec_artifacts = []
        for art in component.interface.in_artifacts:
            if art.name in self.artifacts:
                binding = self.artifacts[art.name]
                self.list_ref(art.name) if binding.is_list else self.meta_ref(art.name)
                spec_artifacts.append([art.name, binding.type.schema_title, binding.type.schema_version,
                                       int(binding.is_list)])
        originals = list(self.c_original_elements())
        templated: dict[str, Any] = {}
        for index, (_text, tree) in enumerate(originals):
            if not isinstance(tree, str):
                templated[str(index)] = self.tree(tree)
        spec = {wire.Spec.PARAMS: spec_params, wire.Spec.ARTIFACTS: spec_artifacts,
                wire.Spec.OUT_PARAMS: [[q.name, q.type.value] for q in component.interface.out_params],
                wire.Spec.OUT_ARTIFACTS: [[art.name, art.type.schema_title, art.type.schema_version]
                                          for art in component.interface.out_artifacts],
                wire.Spec.TEMPLATED: templated}
        spec = {k: v for k, v in spec.items() if v}
        self.env.append({"name": SPEC_ENV, "value": escape.literal(escape.json_text(spec))})
        return ["python3", "-c", bootstrap(LAUNCHER_ENV)], [escape.literal(text) for text, _ in originals]

    def c_original_elements(self):
        from kfpc.plan.placeholders import as_written

        for arg in self.c.command + self.c.args:
            yield as_written(arg), arg

    def tree(self, arg: Arg) -> Any:
        from kfpc.plan.placeholders import launcher_tree

        return launcher_tree(arg, self.runtime_leaf)

    def runtime_leaf(self, arg: Runtime) -> Any:
        if arg.kind is RuntimeKind.TASK_NAME:
            return self.task.key
        if arg.kind is RuntimeKind.PIPELINE_ROOT:
            return self.call.pipeline_root
        if arg.kind is RuntimeKind.WORKSPACE_PATH:
            return "/kfp-workspace"
        var = env_name("KFPC_RT_", arg.kind.value)
        if var not in self.env_names:
            self.env.append({"name": var, "value": runtime_tag(arg.kind, self.call.parent_run)})
            self.env_names.add(var)
        return [wire.Placeholder.RUNTIME, var]


def _duration(seconds: float) -> str:
    return f"{int(seconds)}s" if float(seconds).is_integer() else f"{seconds}s"
