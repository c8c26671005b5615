"""A typed view of the parts of the KFP pipeline IR that kfpc compiles.

The IR arrives as protojson; after schema validation it is read once into these frozen classes, so
the graph passes and the lowering never poke at raw dictionaries. Every object remembers its IR
path, so any later error can point at the exact place in the user's file.
The classes mirror the message tree of kubeflow/pipelines api/v2alpha1/pipeline_spec.proto:50 @2.17.0.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from kfpc.records import Record

Path = tuple[str | int, ...]


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


@dataclass(frozen=True, eq=False, repr=False)
class ParamDef(Record):
    name: str
    type: str  # STRING, NUMBER_INTEGER, NUMBER_DOUBLE, BOOLEAN, LIST, STRUCT, TASK_FINAL_STATUS
    default: Any = MISSING
    optional: bool = False
    description: str = ""
    literals: tuple[Any, ...] | None = None  # the allowed values (dsl.Literal), when the IR lists them


@dataclass(frozen=True, eq=False, repr=False)
class ArtifactDef(Record):
    name: str
    schema_title: str
    schema_version: str = "0.0.1"
    is_list: bool = False
    optional: bool = False
    description: str = ""
    metadata: Mapping[str, Any] | None = None  # outputs only: the artifact's initial metadata


@dataclass(frozen=True, eq=False, repr=False)
class Interface(Record):
    in_params: Mapping[str, ParamDef] = field(default_factory=dict)
    in_artifacts: Mapping[str, ArtifactDef] = field(default_factory=dict)
    out_params: Mapping[str, ParamDef] = field(default_factory=dict)
    out_artifacts: Mapping[str, ArtifactDef] = field(default_factory=dict)


@dataclass(frozen=True, eq=False, repr=False)
class ParamInput(Record):
    """One `inputs.parameters` entry of a task; exactly one of the kinds below."""

    kind: str  # "component_input" | "task_output" | "constant" | "final_status" | "runtime_parameter"
    name: str = ""  # component_input: parent input name
    producer: str = ""  # task_output / final_status: producer task key
    key: str = ""  # task_output: output parameter key
    value: Any = None  # constant
    selector: str | None = None  # parameterExpressionSelector (CEL)
    path: Path = ()


@dataclass(frozen=True, eq=False, repr=False)
class ArtifactInput(Record):
    kind: str  # "component_input" | "task_output"
    name: str = ""
    producer: str = ""
    key: str = ""
    path: Path = ()


@dataclass(frozen=True, eq=False, repr=False)
class Iterator(Record):
    kind: str  # "parameter" | "artifact"
    item_input: str
    raw: str | None = None  # parameterIterator.items.raw (a JSON list as text)
    input_name: str | None = None  # items.inputParameter / items.inputArtifact
    path: Path = ()


@dataclass(frozen=True, eq=False, repr=False)
class Retry(Record):
    max_count: int
    backoff_seconds: float
    factor: float
    max_backoff_seconds: float


@dataclass(frozen=True, eq=False, repr=False)
class Task(Record):
    key: str
    display_name: str
    component: str
    params: Mapping[str, ParamInput]
    artifacts: Mapping[str, ArtifactInput]
    dependent_tasks: tuple[str, ...]
    cache_enabled: bool
    cache_key: str
    condition: str | None
    all_upstream_completed: bool
    iterator: Iterator | None
    parallelism: int
    retry: Retry | None
    path: Path


@dataclass(frozen=True, eq=False, repr=False)
class OutputSelector(Record):
    producer: str
    key: str


@dataclass(frozen=True, eq=False, repr=False)
class DagOutput(Record):
    name: str
    selectors: tuple[OutputSelector, ...]  # more than one = OneOf
    path: Path


@dataclass(frozen=True, eq=False, repr=False)
class Dag(Record):
    tasks: Mapping[str, Task]
    out_params: Mapping[str, DagOutput]
    out_artifacts: Mapping[str, DagOutput]
    path: Path


@dataclass(frozen=True, eq=False, repr=False)
class Component(Record):
    key: str
    interface: Interface
    dag: Dag | None
    executor: str | None
    path: Path
    passthroughs: tuple[tuple[str, bool], ...] = ()  # task_config_passthroughs: (field, apply_to_task)


@dataclass(frozen=True, eq=False, repr=False)
class Container(Record):
    image: str
    command: tuple[str, ...]
    args: tuple[str, ...]
    env: tuple[tuple[str, str], ...]
    resources: Mapping[str, Any]
    path: Path


@dataclass(frozen=True, eq=False, repr=False)
class Importer(Record):
    uri_constant: str | None
    uri_parameter: str | None
    schema_title: str
    schema_version: str
    metadata: Mapping[str, Any]
    reimport: bool
    path: Path
    download_to_workspace: bool = False


@dataclass(frozen=True, eq=False, repr=False)
class Executor(Record):
    key: str
    container: Container | None = None
    importer: Importer | None = None
    other: str | None = None  # resolver / customJob: recognised but not compiled
    path: Path = ()


@dataclass(frozen=True, eq=False, repr=False)
class Pipeline(Record):
    name: str
    display_name: str
    description: str
    sdk_version: str
    schema_version: str
    default_pipeline_root: str
    components: Mapping[str, Component]
    root: Component
    executors: Mapping[str, Executor]
    platform: Mapping[str, Any] | None
