"""kfp-kubernetes settings on an Argo container template.

Static settings go where Argo applies them: the container (env from Secrets and ConfigMaps, the
downward API, volume mounts, pull policy, security context), the template (volumes, node selector,
tolerations, affinity, pod metadata, init containers, activeDeadlineSeconds). A value that only the
run knows (a Secret name from a parameter, a claim created by an earlier task, a node selector
given as a JSON parameter) arrives as a template input `kfpc-k8s-<i>` and is read raw by an
expression tag, in the field itself or, for pod-level objects, in the template's podSpecPatch.
"""

from __future__ import annotations

from typing import Any, Callable

from kfpc import k8s_objects as objects
from kfpc.plan import k8s
from kfpc.plan.model import Constant, ParamSource
from kfpc.plan.values import text_form

from kfpc_backends.argo import escape

INPUT_PREFIX = "kfpc-k8s-"


class Applier:
    """Adds one task's settings to its template; `raw(input)` is the expression reading an input."""

    def __init__(self, config: k8s.TaskK8s, raw: Callable[[str], str]):
        self.config = config
        self.raw = raw
        self.inputs: list[str] = []
        self.patch: list[str] = []  # pod-level fields of the template's podSpecPatch, as JSON text
        self.index = {id(source): i for i, (_, source) in enumerate(config.sources())}

    def value(self, source: ParamSource) -> str:
        """A name: literal when constant, else an expression tag on its template input."""
        if isinstance(source, Constant):
            return text_form(source.value)
        return escape.tag(self.expr(source))

    def expr(self, source: ParamSource) -> str:
        name = f"{INPUT_PREFIX}{self.index[id(source)]}"
        if name not in self.inputs:
            self.inputs.append(name)
        return self.raw(name)

    def apply(self, template: dict[str, Any], container: dict[str, Any]) -> None:
        config = self.config
        container.setdefault("env", []).extend(objects.env_entries(config, self.value))
        volumes, mounts = objects.volumes(config, self.value)
        if mounts:
            container.setdefault("volumeMounts", []).extend(mounts)
            template.setdefault("volumes", []).extend(volumes)
        if config.image_pull_policy:
            container["imagePullPolicy"] = config.image_pull_policy
        if config.security_context is not None:
            container["securityContext"] = objects.security_context(config.security_context)
        selector = objects.static_selector(config)
        if selector:
            template["nodeSelector"] = selector
        if (config.tolerations or config.tolerations_json) and not self.dynamic_tolerations():
            template["tolerations"] = [objects.toleration(t) for t in config.tolerations] + [
                t for source in config.tolerations_json
                for t in objects.listed(source.value)]  # type: ignore[union-attr]
        affinity = objects.affinity_of(config)
        if affinity:
            template["affinity"] = affinity
        if config.labels or config.annotations:
            template["metadata"] = {**({"annotations": dict(config.annotations)} if config.annotations else {}),
                                    **({"labels": dict(config.labels)} if config.labels else {})}
        if config.timeout_seconds:
            # IntOrString, typed string in schema.json
            template["activeDeadlineSeconds"] = str(config.timeout_seconds)
        if config.init_containers:
            template["initContainers"] = template.get("initContainers", []) + [
                objects.init_container(init, escape.braces_only, _brace_env(init))
                for init in config.init_containers]
        self.dynamic()

    def dynamic_tolerations(self) -> bool:
        return any(not isinstance(source, Constant) for source in self.config.tolerations_json)

    def dynamic(self) -> None:
        """Pod-level settings Argo's template has no field for (image pull secrets), or known only at
        run time, go into the template's podSpecPatch."""
        config = self.config
        if config.image_pull_secrets:
            names_ = ", ".join(self.json_string(source) for source in config.image_pull_secrets)
            self.patch.append(f'"imagePullSecrets": [{names_}]')
        if config.node_selector_json is not None and not isinstance(config.node_selector_json, Constant):
            self.patch.append(f'"nodeSelector": {self.json_object(config.node_selector_json)}')
        if self.dynamic_tolerations():
            # JSON text assembled with sprig only (expr-lang's list functions differ between Argo
            # versions): each source is a list or a single toleration, given as JSON text.
            static = [objects.toleration(t) for t in config.tolerations] + [
                t for source in config.tolerations_json if isinstance(source, Constant)
                for t in objects.listed(source.value)]
            parts = [escape.string_literal(escape.json_text(static)[1:-1])] + [
                self.json_items(source) for source in config.tolerations_json if not isinstance(source, Constant)]
            self.patch.append('"tolerations": ' + escape.tag(
                "'[' + sprig.join(',', sprig.compact([" + ", ".join(parts) + "])) + ']'"))
        if any(not isinstance(source, Constant) for source in config.node_affinity_json):
            self.patch.append(f'"affinity": {{"nodeAffinity": {self.json_object(config.node_affinity_json[0])} }}')

    def json_string(self, source: ParamSource) -> str:
        if isinstance(source, Constant):
            return escape.json_text({"name": text_form(source.value)})
        return '{"name": ' + escape.tag(f"toJson({escape.single_quoted(self.expr(source))})") + " }"

    def json_object(self, source: ParamSource) -> str:
        """A JSON object given as a parameter (a dict, or its JSON text)."""
        if isinstance(source, Constant):
            return escape.json_text(source.value or {})
        raw = escape.single_quoted(self.expr(source))
        return escape.tag(f"{raw} == '' ? '{{' + ' }}' : {raw}")

    def json_items(self, source: ParamSource) -> str:
        """The items of a JSON list, or the one JSON object, as text to join into a list."""
        raw = f"sprig.trim({escape.single_quoted(self.expr(source))})"
        return f"(sprig.hasPrefix('[', {raw}) ? sprig.trimSuffix(']', sprig.trimPrefix('[', {raw})) : {raw})"


def _brace_env(container: k8s.InitContainer) -> tuple[dict[str, str], ...]:
    """KFPC_L for an init container whose text has a `{{` (escape.braces_only)."""
    texts = [*container.command, *container.args, *(v for _, v in container.env)]
    return ({"name": escape.LBRACE_ENV, "value": "{"},) if any("{{" in t for t in texts) else ()
