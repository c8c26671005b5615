"""Lower the kfp-kubernetes platform spec (the IR's second document) into plan records (k8s.py).

Every setting kfp-kubernetes 2.17 writes is read here, with its name in either JSON spelling
(`secretAsEnv` / `secret_as_env`); anything else is an error naming the setting, never silently
dropped. Names and JSON objects taken from parameters (`secretNameParameter`, `nodeSelectorJson`,
...) are resolved like task inputs by the caller's `resolve`.
"""

from __future__ import annotations

import re
from typing import Any, Callable, Mapping

from kfpc.errors import Collector, did_you_mean
from kfpc.plan import k8s
from kfpc.plan.model import Constant, ParamSource
from kfpc.run_options import is_quantity

Path = tuple[str | int, ...]
Resolve = Callable[..., ParamSource]  # (InputParameterSpec, path, json_value=False)
CODE = "KFPC315"

_EXECUTOR_KEYS = {
    "secretAsVolume", "secretAsEnv", "pvcMount", "nodeSelector", "podMetadata", "imagePullSecret", "imagePullPolicy",
    "configMapAsVolume", "configMapAsEnv", "activeDeadlineSeconds", "fieldPathAsEnv", "tolerations",
    "genericEphemeralVolume", "nodeAffinity", "podAffinity", "enabledSharedMemory", "emptyDirMounts",
    "securityContext", "initContainers",
}
_DATA_KEY = re.compile(r"[-._a-zA-Z0-9]+")  # a Secret or ConfigMap key
_ENV_NAME = re.compile(r"[-._a-zA-Z][-._a-zA-Z0-9]*")
_PULL_POLICIES = ("Always", "IfNotPresent", "Never")
_RESERVED_ENV = "KFPC_"  # the backends' own env (escapes, runtime specs)
_RESERVED_VOLUME = "kfpc-"
_RESERVED_MOUNTS = ("/kfpc", "/workspace/kfpc")  # task inputs and outputs, the Tekton volume


def camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part[:1].upper() + part[1:] for part in rest)


def _get(item: Any, key: str) -> Any:
    """A field of a setting under either JSON spelling (`mountPath` / `mount_path`)."""
    if not isinstance(item, Mapping):
        return None
    return item[key] if key in item else next((value for name, value in item.items() if camel(name) == key), None)


def _fields(spec: Any, path: Path, out: Collector, allowed: set[str]) -> dict[str, Any]:
    """A mapping's fields under their camelCase names; unknown ones are reported."""
    if not isinstance(spec, Mapping):
        out.add(CODE, f"expected a mapping, found {type(spec).__name__}", path)
        return {}
    found = {}
    for key, value in spec.items():
        name = camel(str(key))
        if name not in allowed:
            out.add(CODE, f"unknown kfp-kubernetes setting {key!r} (known: {', '.join(sorted(allowed))})", path + (key,))
            continue
        found[name] = value
    return found


class PlatformLowering:
    def __init__(self, platform: Mapping[str, Any] | None, out: Collector):
        self.out = out
        self.executors: dict[str, tuple[Mapping[str, Any], Path]] = {}
        self.config: Mapping[str, Any] = {}
        self.config_path: Path = ()
        if not platform:
            return
        kube = (platform.get("platforms") or {}).get("kubernetes") or {}
        base: Path = ("platforms", "kubernetes")
        spec = kube.get("deploymentSpec") or kube.get("deployment_spec") or {}
        executors = spec.get("executors") or {}
        for label, config in executors.items():
            self.executors[label] = (config or {}, base + ("deploymentSpec", "executors", label))
        self.config = kube.get("pipelineConfig") or kube.get("pipeline_config") or {}
        self.config_path = base + ("pipelineConfig",)

    # -- per task --------------------------------------------------------------------------------

    def check_unused(self, used: set[str], known: set[str]) -> None:
        """Settings for executors no task runs are still checked: a typo is an error wherever it is,
        in a setting or in the executor's name (whose settings would otherwise apply to nothing)."""
        for label in sorted(set(self.executors) - used):
            if label not in known:
                self.out.add(CODE, f"settings for executor {label!r}, which the pipeline does not have",
                             self.executors[label][1], hint=did_you_mean(label, known))
                continue
            self.task(label, lambda *args, **kwargs: Constant(""))

    def settings(self, executor: str) -> Mapping[str, Any] | None:
        """The executor's settings as written, for its cache key (cachekey.with_platform)."""
        return self.executors[executor][0] if executor in self.executors else None

    def task(self, executor: str, resolve: Resolve) -> k8s.TaskK8s | None:
        if executor not in self.executors:
            return None
        raw, path = self.executors[executor]
        spec = _fields(raw, path, self.out, _EXECUTOR_KEYS)
        values: dict[str, Any] = {}
        values["env_from"] = self.env_from(spec, path, resolve)
        values["volumes"] = self.volumes(spec, path, resolve)
        values["field_env"] = tuple(
            k8s.FieldEnv(self.text(fields, "name", path + ("fieldPathAsEnv", i)), self.text(fields, "fieldPath", path))
            for i, item in enumerate(self.items(spec, "fieldPathAsEnv", path))
            for fields in [_fields(item, path + ("fieldPathAsEnv", i), self.out, {"name", "fieldPath"})])
        self.scheduling(spec, path, resolve, values)
        self.pod_settings(spec, path, resolve, values)
        values["init_containers"] = tuple(self.init_container(item, path + ("initContainers", i))
                                          for i, item in enumerate(self.items(spec, "initContainers", path)))
        self.check_clashes(spec, path)
        return k8s.TaskK8s(**values)

    def env_from(self, spec: Mapping[str, Any], path: Path, resolve: Resolve) -> tuple[k8s.EnvFrom, ...]:
        env_from = []
        for kind, key, name_field in (("secret", "secretAsEnv", "secretName"), ("configMap", "configMapAsEnv",
                                                                                  "configMapName")):
            for i, item in enumerate(self.items(spec, key, path)):
                where = path + (key, i)
                fields = _fields(item, where, self.out,
                                 {name_field, name_field + "Parameter", "keyToEnv", "optional"})
                keys = []
                key_field = "secretKey" if kind == "secret" else "configMapKey"
                for j, pair in enumerate(fields.get("keyToEnv") or ()):
                    pair_fields = _fields(pair, where + ("keyToEnv", j), self.out, {key_field, "envVar"})
                    keys.append(k8s.KeyToEnv(self.matching(pair_fields, key_field, _DATA_KEY, where + ("keyToEnv", j)),
                                             self.matching(pair_fields, "envVar", _ENV_NAME, where + ("keyToEnv", j))))
                env_from.append(k8s.EnvFrom(kind, self.name(fields, name_field, where, resolve), tuple(keys),
                                            self.optional_bool(fields, "optional", where)))
        return tuple(env_from)

    def volumes(self, spec: Mapping[str, Any], path: Path, resolve: Resolve) -> tuple[k8s.Volume, ...]:
        volumes: list[k8s.Volume] = []
        for kind, key, name_field in (("secret", "secretAsVolume", "secretName"),
                                      ("configMap", "configMapAsVolume", "configMapName")):
            for i, item in enumerate(self.items(spec, key, path)):
                where = path + (key, i)
                fields = _fields(item, where, self.out,
                                 {name_field, name_field + "Parameter", "mountPath", "optional"})
                volumes.append(k8s.ObjectVolume(kind, self.name(fields, name_field, where, resolve),
                                                self.text(fields, "mountPath", where),
                                                self.optional_bool(fields, "optional", where)))
        for i, item in enumerate(self.items(spec, "pvcMount", path)):
            where = path + ("pvcMount", i)
            fields = _fields(item, where, self.out, {"taskOutputParameter", "constant", "componentInputParameter",
                                                     "pvcNameParameter", "mountPath", "subPath"})
            volumes.append(k8s.PvcVolume(self.pvc_name(fields, where, resolve), self.text(fields, "mountPath", where),
                                         str(fields.get("subPath") or "")))
        for i, item in enumerate(self.items(spec, "genericEphemeralVolume", path)):
            volumes.append(self.ephemeral(item, path + ("genericEphemeralVolume", i)))
        for i, item in enumerate(self.items(spec, "emptyDirMounts", path)):
            where = path + ("emptyDirMounts", i)
            fields = _fields(item, where, self.out, {"volumeName", "mountPath", "medium", "sizeLimit"})
            volumes.append(k8s.EmptyDirVolume(self.text(fields, "volumeName", where),
                                              self.text(fields, "mountPath", where),
                                              self.optional_text(fields, "medium", where),
                                              self.quantity(fields.get("sizeLimit"), where)))
        if "enabledSharedMemory" in spec:
            where = path + ("enabledSharedMemory",)
            fields = _fields(spec["enabledSharedMemory"], where, self.out, {"volumeName", "size"})
            volumes.append(k8s.EmptyDirVolume(str(fields.get("volumeName") or "shm"), "/dev/shm", "Memory",
                                              self.quantity(fields.get("size"), where)))
        return tuple(volumes)

    def pod_settings(self, spec: Mapping[str, Any], path: Path, resolve: Resolve, values: dict[str, Any]) -> None:
        if "podMetadata" in spec:
            fields = _fields(spec["podMetadata"], path + ("podMetadata",), self.out, {"labels", "annotations"})
            values["labels"] = self.strings(fields.get("labels"), path + ("podMetadata", "labels"))
            values["annotations"] = self.strings(fields.get("annotations"), path + ("podMetadata", "annotations"))
        values["image_pull_secrets"] = tuple(
            self.name(_fields(item, path + ("imagePullSecret", i), self.out, {"secretName", "secretNameParameter"}),
                      "secretName", path + ("imagePullSecret", i), resolve)
            for i, item in enumerate(self.items(spec, "imagePullSecret", path)))
        if spec.get("imagePullPolicy"):
            policy = spec["imagePullPolicy"]
            if policy not in _PULL_POLICIES:
                self.out.add(CODE, f"imagePullPolicy must be one of {', '.join(_PULL_POLICIES)}, not {policy!r}",
                             path + ("imagePullPolicy",))
            values["image_pull_policy"] = policy
        if spec.get("activeDeadlineSeconds") not in (None, "", 0, "0"):
            values["timeout_seconds"] = self.integer(spec["activeDeadlineSeconds"], path + ("activeDeadlineSeconds",))
        if "securityContext" in spec:
            where = path + ("securityContext",)
            fields = _fields(spec["securityContext"], where, self.out, {"runAsUser", "runAsGroup", "runAsNonRoot"})
            values["security_context"] = k8s.SecurityContext(
                self.integer(fields["runAsUser"], where) if "runAsUser" in fields else None,
                self.integer(fields["runAsGroup"], where) if "runAsGroup" in fields else None,
                self.optional_bool(fields, "runAsNonRoot", where))

    def check_clashes(self, spec: Mapping[str, Any], path: Path) -> None:
        """Settings that would silently override each other or kfpc's own env, volumes and mounts
        (the pod would run, just not as written); each reported where it is written."""
        envs: list[tuple[str, Path]] = []
        for key in ("secretAsEnv", "configMapAsEnv"):
            for i, item in enumerate(self.items(spec, key, path)):
                for j, pair in enumerate(_get(item, "keyToEnv") or ()):
                    envs.append((str(_get(pair, "envVar")), path + (key, i, "keyToEnv", j)))
        envs += [(str(_get(item, "name")), path + ("fieldPathAsEnv", i))
                 for i, item in enumerate(self.items(spec, "fieldPathAsEnv", path))]
        seen: set[str] = set()
        for name, where in envs:
            if name in seen:
                self.out.add(CODE, f"environment variable {name!r} is set by more than one setting", where)
            seen.add(name)
            if name.startswith(_RESERVED_ENV):
                self.out.add(CODE, f"environment variable {name!r}: names starting with {_RESERVED_ENV!r} are kfpc's",
                             where)
        mounts = [(str(_get(item, "mountPath")), path + (key, i)) for key in
                  ("secretAsVolume", "configMapAsVolume", "pvcMount", "emptyDirMounts", "genericEphemeralVolume")
                  for i, item in enumerate(self.items(spec, key, path))]
        if "enabledSharedMemory" in spec:
            mounts.append(("/dev/shm", path + ("enabledSharedMemory",)))
        reserved = _RESERVED_MOUNTS + (("/kfp-workspace",) if self.config.get("workspace") else ())
        taken: set[str] = set()
        for mount, where in mounts:
            mount = mount.rstrip("/") or "/"
            if mount in taken:
                self.out.add(CODE, f"two volumes are mounted at {mount!r}", where)
            taken.add(mount)
            if any(mount == r or mount.startswith(r + "/") for r in reserved):
                self.out.add(CODE, f"mount path {mount!r} is where kfpc keeps task inputs and outputs", where)
        for key in ("emptyDirMounts", "genericEphemeralVolume"):
            for i, item in enumerate(self.items(spec, key, path)):
                if str(_get(item, "volumeName")).startswith(_RESERVED_VOLUME):
                    self.out.add(CODE, f"volume name {_get(item, 'volumeName')!r}: names starting with "
                                 f"{_RESERVED_VOLUME!r} are kfpc's", path + (key, i, "volumeName"))

    def scheduling(self, spec: dict[str, Any], path: Path, resolve: Resolve, values: dict[str, Any]) -> None:
        if "nodeSelector" in spec:
            where = path + ("nodeSelector",)
            fields = _fields(spec["nodeSelector"], where, self.out, {"labels", "nodeSelectorJson"})
            if fields.get("labels"):
                values["node_selector"] = self.strings(fields["labels"], where + ("labels",))
            if fields.get("nodeSelectorJson"):
                values["node_selector_json"] = resolve(fields["nodeSelectorJson"], where + ("nodeSelectorJson",), True)
        values["tolerations"], values["tolerations_json"] = self.tolerations(spec, path, resolve)
        values["node_affinity"], values["node_affinity_json"] = self.node_affinity(spec, path, resolve)
        values["pod_affinity"] = self.pod_affinity(spec, path)

    def tolerations(self, spec: dict[str, Any], path: Path,
                    resolve: Resolve) -> tuple[tuple[k8s.Toleration, ...], tuple[ParamSource, ...]]:
        """JSON tolerations are kept apart: one from a parameter is only known when the pod is made."""
        tolerations, tolerations_json = [], []
        for i, item in enumerate(self.items(spec, "tolerations", path)):
            where = path + ("tolerations", i)
            fields = _fields(item, where, self.out, {"key", "operator", "value", "effect", "tolerationSeconds",
                                                     "tolerationJson"})
            if fields.get("tolerationJson"):
                tolerations_json.append(resolve(fields["tolerationJson"], where + ("tolerationJson",), True))
                continue
            key, operator, value, effect = (self.optional_text(fields, name, where) for name in ("key", "operator",
                                                                                                  "value", "effect"))
            seconds = (self.integer(fields["tolerationSeconds"], where)
                       if fields.get("tolerationSeconds") is not None else None)
            tolerations.append(k8s.Toleration(key, operator, value, effect, seconds))
        return tuple(tolerations), tuple(tolerations_json)

    def node_affinity(self, spec: dict[str, Any], path: Path,
                      resolve: Resolve) -> tuple[tuple[k8s.NodeAffinity, ...], tuple[ParamSource, ...]]:
        """JSON terms are kept apart: one from a parameter is only known when the pod is made."""
        affinity, affinity_json = [], []
        for i, item in enumerate(self.items(spec, "nodeAffinity", path)):
            where = path + ("nodeAffinity", i)
            fields = _fields(item, where, self.out, {"matchExpressions", "matchFields", "weight", "nodeAffinityJson"})
            if fields.get("nodeAffinityJson"):
                source = resolve(fields["nodeAffinityJson"], where + ("nodeAffinityJson",), True)
                if isinstance(source, Constant):
                    self.check_node_affinity(source.value, where + ("nodeAffinityJson",))
                affinity_json.append(source)
                continue
            affinity.append(k8s.NodeAffinity(self.requirements(fields.get("matchExpressions"), where),
                                             self.requirements(fields.get("matchFields"), where),
                                             self.weight(fields["weight"], where)
                                             if fields.get("weight") is not None else None))
        return tuple(affinity), tuple(affinity_json)

    def pod_affinity(self, spec: dict[str, Any], path: Path) -> tuple[k8s.PodAffinity, ...]:
        pods = []
        for i, item in enumerate(self.items(spec, "podAffinity", path)):
            where = path + ("podAffinity", i)
            fields = _fields(item, where, self.out, {"matchPodExpressions", "matchPodLabels", "topologyKey",
                                                     "namespaces", "matchNamespaceExpressions",
                                                     "matchNamespaceLabels", "weight", "anti"})
            pods.append(k8s.PodAffinity(
                str(fields.get("topologyKey") or "kubernetes.io/hostname"),
                self.requirements(fields.get("matchPodExpressions"), where),
                self.strings(fields.get("matchPodLabels"), where),
                tuple(str(n) for n in fields.get("namespaces") or ()),
                self.requirements(fields.get("matchNamespaceExpressions"), where),
                self.strings(fields.get("matchNamespaceLabels"), where),
                self.weight(fields["weight"], where) if fields.get("weight") is not None else None,
                bool(fields.get("anti"))))
        return tuple(pods)

    # -- pipeline-wide ---------------------------------------------------------------------------

    def run_config(self) -> k8s.RunConfig | None:
        if not self.config:
            return None
        path = self.config_path
        fields = _fields(self.config, path, self.out, {"workspace", "activeDeadlineSeconds",
                                                        "resourceTtlOnCompletion", "resourceTtlOnSuccess",
                                                        "resourceTtlOnFailure"})
        size = patch = None
        if fields.get("workspace"):
            workspace = _fields(fields["workspace"], path + ("workspace",), self.out, {"size", "kubernetes"})
            size = self.quantity(workspace.get("size"), path + ("workspace", "size"))
            if workspace.get("kubernetes"):
                kube = _fields(workspace["kubernetes"], path + ("workspace", "kubernetes"), self.out,
                               {"pvcSpecPatch"})
                patch = kube.get("pvcSpecPatch") or None
        numbers = {key: self.integer(fields[key], path + (key,)) if fields.get(key) not in (None, "") else None
                   for key in ("activeDeadlineSeconds", "resourceTtlOnCompletion", "resourceTtlOnSuccess",
                               "resourceTtlOnFailure")}
        return k8s.RunConfig(size, patch, numbers["activeDeadlineSeconds"], numbers["resourceTtlOnCompletion"],
                             numbers["resourceTtlOnSuccess"], numbers["resourceTtlOnFailure"])

    # -- pieces ----------------------------------------------------------------------------------

    def items(self, spec: Mapping[str, Any], key: str, path: Path) -> list[Any]:
        value = spec.get(key) or []
        if not isinstance(value, list):
            self.out.add(CODE, f"{key} must be a list", path + (key,))
            return []
        return value

    def text(self, fields: Mapping[str, Any], key: str, path: Path) -> str:
        value = fields.get(key)
        if not isinstance(value, str) or not value:
            self.out.add(CODE, f"{key} is required and must be a string", path)
            return ""
        return value

    def weight(self, value: Any, path: Path) -> int:
        """A preferred scheduling term's weight: Kubernetes accepts 1 to 100."""
        number = self.integer(value, path)
        if not 1 <= number <= 100 and (number or value in (0, "0")):
            self.out.add(CODE, f"weight must be between 1 and 100, found {value!r}", path + ("weight",))
        return number

    def check_node_affinity(self, value: Any, path: Path) -> None:
        """A node affinity given as JSON at compile time goes into the pod as written: its shape is
        checked here (a value from a parameter is checked by the API server when the pod is made)."""
        if value in (None, {}, ""):
            return
        problem = None
        if not isinstance(value, Mapping):
            problem = "must be a JSON object"
        else:
            required = value.get("requiredDuringSchedulingIgnoredDuringExecution")
            preferred = value.get("preferredDuringSchedulingIgnoredDuringExecution")
            unknown = set(value) - {"requiredDuringSchedulingIgnoredDuringExecution",
                                    "preferredDuringSchedulingIgnoredDuringExecution"}
            if unknown:
                problem = f"has unknown fields {sorted(map(str, unknown))}"
            elif required is not None and not (isinstance(required, Mapping) and isinstance(
                    required.get("nodeSelectorTerms"), list) and all(isinstance(t, Mapping) for t in
                                                                     required["nodeSelectorTerms"])):
                problem = "requiredDuringSchedulingIgnoredDuringExecution needs a nodeSelectorTerms list of objects"
            elif preferred is not None and not (isinstance(preferred, list) and all(
                    isinstance(t, Mapping) and isinstance(t.get("preference"), Mapping)
                    and type(t.get("weight")) in (int, float) and 1 <= t["weight"] <= 100 for t in preferred)):
                problem = ("preferredDuringSchedulingIgnoredDuringExecution needs terms with a preference object and "
                           "a weight from 1 to 100")
        if problem:
            self.out.add(CODE, f"nodeAffinityJson {problem}", path)

    def matching(self, fields: Mapping[str, Any], key: str, pattern: re.Pattern[str], path: Path) -> str:
        """A required string that Kubernetes restricts (a Secret key, an env name): any other text
        would be refused by the API server or read as a variable by the engine."""
        value = self.text(fields, key, path)
        if value and not pattern.fullmatch(value):
            self.out.add(CODE, f"{key} {value!r} is not valid here (expected {pattern.pattern})", path + (key,))
            return ""
        return value

    def optional_text(self, fields: Mapping[str, Any], key: str, path: Path) -> str | None:
        """A string field that may be left out; any other type would reach the manifest as written."""
        value = fields.get(key)
        if value in (None, ""):
            return None
        if not isinstance(value, str):
            self.out.add(CODE, f"{key} must be a string, found {value!r}", path + (key,))
            return None
        return value

    def optional_bool(self, fields: Mapping[str, Any], key: str, path: Path) -> bool | None:
        value = fields.get(key)
        if value is not None and not isinstance(value, bool):
            self.out.add(CODE, f"{key} must be true or false, found {value!r}", path + (key,))
            return None
        return value

    def integer(self, value: Any, path: Path) -> int:
        """A whole number as protobuf JSON writes it: 5, 5.0 or "5"."""
        whole = (isinstance(value, int) or (isinstance(value, float) and value.is_integer())
                 or (isinstance(value, str) and re.fullmatch(r"-?\d+", value)))
        if isinstance(value, bool) or not whole or int(value) < 0:  # no setting here takes a negative
            self.out.add(CODE, f"expected a whole number of at least 0, found {value!r}", path)
            return 0
        return int(value)

    def quantity(self, value: Any, path: Path) -> str | None:
        """A Kubernetes quantity (1Gi, 500M, 0.5Ti); None when not given."""
        if value in (None, ""):
            return None
        if not is_quantity(str(value)):
            self.out.add(CODE, f"{value!r} is not a Kubernetes quantity such as 1Gi or 500Mi", path)
        return str(value)

    def strings(self, value: Any, path: Path) -> dict[str, str] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            self.out.add(CODE, "expected a mapping of strings", path)
            return None
        return {str(k): str(v) for k, v in value.items()}

    def name(self, fields: Mapping[str, Any], field: str, path: Path, resolve: Resolve) -> ParamSource:
        """A Secret or ConfigMap name: a constant, or a parameter resolved at run time."""
        if fields.get(field + "Parameter"):
            return resolve(fields[field + "Parameter"], path + (field + "Parameter",))
        if fields.get(field):
            return Constant(str(fields[field]))
        self.out.add(CODE, f"{field} or {field}Parameter is required", path)
        return Constant("")

    def pvc_name(self, fields: Mapping[str, Any], path: Path, resolve: Resolve) -> ParamSource:
        if fields.get("pvcNameParameter"):
            return resolve(fields["pvcNameParameter"], path + ("pvcNameParameter",))
        if fields.get("constant"):
            return Constant(str(fields["constant"]))
        if fields.get("taskOutputParameter"):
            return resolve({"taskOutputParameter": fields["taskOutputParameter"]}, path + ("taskOutputParameter",))
        if fields.get("componentInputParameter"):
            return resolve({"componentInputParameter": fields["componentInputParameter"]},
                           path + ("componentInputParameter",))
        self.out.add(CODE, "a PVC mount needs the claim's name (pvcNameParameter, constant or a task output)", path)
        return Constant("")

    def requirements(self, value: Any, path: Path) -> tuple[k8s.Requirement, ...]:
        out = []
        for i, item in enumerate(value or ()):
            fields = _fields(item, path + (i,), self.out, {"key", "operator", "values"})
            out.append(k8s.Requirement(self.text(fields, "key", path + (i,)),
                                       self.text(fields, "operator", path + (i,)),
                                       tuple(str(v) for v in fields.get("values") or ())))
        return tuple(out)

    def ephemeral(self, item: Any, path: Path) -> k8s.EphemeralVolume:
        fields = _fields(item, path, self.out, {"volumeName", "mountPath", "accessModes", "size",
                                                "defaultStorageClass", "storageClassName", "metadata"})
        meta = _fields(fields.get("metadata") or {}, path + ("metadata",), self.out, {"labels", "annotations"})
        storage_class = None if fields.get("defaultStorageClass") or not fields.get("storageClassName") else \
            str(fields["storageClassName"])
        return k8s.EphemeralVolume(self.text(fields, "volumeName", path), self.text(fields, "mountPath", path),
                                   tuple(str(a) for a in fields.get("accessModes") or ("ReadWriteOnce",)),
                                   self.quantity(self.text(fields, "size", path), path + ("size",)) or "",
                                   storage_class,
                                   self.strings(meta.get("labels"), path), self.strings(meta.get("annotations"), path))

    def init_container(self, item: Any, path: Path) -> k8s.InitContainer:
        fields = _fields(item, path, self.out, {"name", "image", "command", "args", "env", "volumeMounts",
                                                "resources"})
        resources = fields.get("resources")
        if resources is not None and not isinstance(resources, Mapping):
            self.out.add(CODE, "resources must be a mapping (limits, requests)", path + ("resources",))
            resources = None
        env = []
        for i, variable in enumerate(self.items(fields, "env", path)):
            entry = _fields(variable, path + ("env", i), self.out, {"name", "value"})
            env.append((self.text(entry, "name", path + ("env", i)), str(entry.get("value") or "")))
        mounts = []
        for i, mount in enumerate(self.items(fields, "volumeMounts", path)):
            entry = _fields(mount, path + ("volumeMounts", i), self.out, {"volumeName", "mountPath"})
            mounts.append((self.text(entry, "volumeName", path), self.text(entry, "mountPath", path)))
        return k8s.InitContainer(self.text(fields, "name", path), self.text(fields, "image", path),
                                 tuple(str(c) for c in self.items(fields, "command", path)),
                                 tuple(str(a) for a in self.items(fields, "args", path)),
                                 tuple(env), tuple(mounts), resources)
