"""Kubernetes settings of a task (the kfp-kubernetes platform spec), as part of the neutral plan.

The second IR document sets them per executor, with names that may come from parameters; the core
lowers them here (kfpc/plan/platform.py) into typed records whose values are ordinary plan value
sources, resolved like task inputs. Backends place them where their engine applies them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping, Union

from kfpc.records import Record

__all__ = ["KeyToEnv", "EnvFrom", "FieldEnv", "ObjectVolume", "PvcVolume", "EphemeralVolume", "EmptyDirVolume",
    "Volume", "Toleration", "Requirement", "NodeAffinity", "PodAffinity", "SecurityContext", "InitContainer",
    "TaskK8s", "RunConfig"]


if TYPE_CHECKING:
    from kfpc.plan.model import ParamSource


@dataclass(frozen=True, eq=False, repr=False)
class KeyToEnv(Record):
    key: str
    env: str


@dataclass(frozen=True, eq=False, repr=False)
class EnvFrom(Record):
    """Env vars read from keys of a Secret or ConfigMap."""

    kind: str  # "secret" | "configMap"
    name: "ParamSource"
    keys: tuple[KeyToEnv, ...]
    optional: bool | None = None


@dataclass(frozen=True, eq=False, repr=False)
class FieldEnv(Record):
    """An env var from the downward API (`metadata.name`, `status.podIP`, ...)."""

    env: str
    field_path: str


@dataclass(frozen=True, eq=False, repr=False)
class ObjectVolume(Record):
    """A Secret or ConfigMap mounted as files."""

    kind: str  # "secret" | "configMap"
    name: "ParamSource"
    mount_path: str
    optional: bool | None = None


@dataclass(frozen=True, eq=False, repr=False)
class PvcVolume(Record):
    name: "ParamSource"  # the claim's name
    mount_path: str
    sub_path: str = ""


@dataclass(frozen=True, eq=False, repr=False)
class EphemeralVolume(Record):
    """A generic ephemeral volume: a claim made with the pod and deleted with it."""

    volume: str
    mount_path: str
    access_modes: tuple[str, ...]
    size: str
    storage_class: str | None = None  # None: the cluster's default class
    labels: Mapping[str, str] | None = None
    annotations: Mapping[str, str] | None = None


@dataclass(frozen=True, eq=False, repr=False)
class EmptyDirVolume(Record):
    volume: str
    mount_path: str
    medium: str | None = None  # "Memory" for tmpfs (and shared memory at /dev/shm)
    size_limit: str | None = None


Volume = Union[ObjectVolume, PvcVolume, EphemeralVolume, EmptyDirVolume]


@dataclass(frozen=True, eq=False, repr=False)
class Toleration(Record):
    key: str | None = None
    operator: str | None = None
    value: str | None = None
    effect: str | None = None
    seconds: int | None = None


@dataclass(frozen=True, eq=False, repr=False)
class Requirement(Record):
    key: str
    operator: str
    values: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False, repr=False)
class NodeAffinity(Record):
    """Required when `weight` is None, else preferred with that weight."""

    expressions: tuple[Requirement, ...] = ()
    fields: tuple[Requirement, ...] = ()
    weight: int | None = None


@dataclass(frozen=True, eq=False, repr=False)
class PodAffinity(Record):
    topology_key: str
    expressions: tuple[Requirement, ...] = ()
    labels: Mapping[str, str] | None = None
    namespaces: tuple[str, ...] = ()
    namespace_expressions: tuple[Requirement, ...] = ()
    namespace_labels: Mapping[str, str] | None = None
    weight: int | None = None
    anti: bool = False


@dataclass(frozen=True, eq=False, repr=False)
class SecurityContext(Record):
    run_as_user: int | None = None
    run_as_group: int | None = None
    run_as_non_root: bool | None = None


@dataclass(frozen=True, eq=False, repr=False)
class InitContainer(Record):
    name: str
    image: str
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    mounts: tuple[tuple[str, str], ...] = ()  # (volume name, mount path)
    resources: Mapping[str, Any] | None = None  # limits / requests as written


@dataclass(frozen=True, eq=False, repr=False)
class TaskK8s(Record):
    """Everything kfp-kubernetes says about one task's pod. Values that are objects given as JSON
    parameters (`*_json`) are resolved at run time where the engine can, else at compile time."""

    env_from: tuple[EnvFrom, ...] = ()
    field_env: tuple[FieldEnv, ...] = ()
    volumes: tuple[Volume, ...] = ()
    node_selector: Mapping[str, str] | None = None
    node_selector_json: "ParamSource | None" = None
    tolerations: tuple[Toleration, ...] = ()
    tolerations_json: tuple["ParamSource", ...] = ()
    node_affinity: tuple[NodeAffinity, ...] = ()
    node_affinity_json: tuple["ParamSource", ...] = ()
    pod_affinity: tuple[PodAffinity, ...] = ()
    labels: Mapping[str, str] | None = None
    annotations: Mapping[str, str] | None = None
    image_pull_secrets: tuple["ParamSource", ...] = ()
    image_pull_policy: str | None = None
    timeout_seconds: int | None = None
    security_context: SecurityContext | None = None
    init_containers: tuple[InitContainer, ...] = ()

    def sources(self) -> list[tuple[str, Any]]:
        """(label, value source) of every value that comes from a parameter, for backends that
        pass such values into the pod."""
        out: list[tuple[str, Any]] = []
        out += [(f"{e.kind} {i}", e.name) for i, e in enumerate(self.env_from)]
        out += [(f"volume {v.mount_path}", v.name) for v in self.volumes if isinstance(v, (ObjectVolume, PvcVolume))]
        if self.node_selector_json is not None:
            out.append(("node selector", self.node_selector_json))
        out += [(f"toleration {i}", s) for i, s in enumerate(self.tolerations_json)]
        out += [(f"node affinity {i}", s) for i, s in enumerate(self.node_affinity_json)]
        out += [(f"image pull secret {i}", s) for i, s in enumerate(self.image_pull_secrets)]
        return out


@dataclass(frozen=True, eq=False, repr=False)
class RunConfig(Record):
    """Pipeline-wide settings (PlatformSpec pipelineConfig)."""

    workspace_size: str | None = None  # KFP's shared workspace at /kfp-workspace
    workspace_patch: Mapping[str, Any] | None = None  # extra PersistentVolumeClaim spec fields
    active_deadline_seconds: int | None = None
    ttl_on_completion: int | None = None
    ttl_on_success: int | None = None
    ttl_on_failure: int | None = None
