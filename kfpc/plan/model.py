"""The backend-neutral plan: the only thing a backend ever sees.

Backends never read raw IR or networkx objects; everything they need is resolved here into small
frozen dataclasses: each task input has exactly one kind of source, conditions are expression
trees, loops and exit semantics are explicit, names are already valid Kubernetes names, and every
task carries its cache fingerprint. If a backend needs something that is not here, add it here
(for every backend) instead of reaching back into the IR.
"""

from __future__ import annotations

import enum
import functools
from dataclasses import dataclass
from typing import Any, Mapping, Union

from kfpc.plan.k8s import RunConfig, TaskK8s
from kfpc.records import Record

__all__ = ["ParamType", "Param", "ArtifactType", "Artifact", "Interface", "RuntimeKind", "FromInput", "FromTask",
    "Constant", "Runtime", "Interpolation", "FinalStatus", "Absent", "ParamSource", "FromInputArtifact",
    "FromTaskArtifact", "ArtifactSource", "ParamBinding", "ArtifactBinding", "Operand", "Literal", "Compare", "Not",
    "And", "Or", "Expr", "InputValue", "InputArtifactRef", "OutputParamFile", "OutputArtifactRef", "ExecutorInput",
    "ExecutorOutputFile", "Concat", "IfPresent", "Arg", "TextTemplate", "Resources", "Retry", "Caching",
    "ContainerComponent", "ImporterComponent", "PvcComponent", "DagOutputParam", "DagOutputArtifact", "Loop",
    "Task", "DagComponent", "Component", "Plan"]


# ---------------------------------------------------------------------------------------------
# Types


class ParamType(enum.Enum):
    STRING = "STRING"
    INTEGER = "NUMBER_INTEGER"
    DOUBLE = "NUMBER_DOUBLE"
    BOOLEAN = "BOOLEAN"
    LIST = "LIST"
    STRUCT = "STRUCT"
    TASK_FINAL_STATUS = "TASK_FINAL_STATUS"

    @property
    def is_json(self) -> bool:
        """Values of these types travel as JSON text; the others as plain text."""
        return self in (ParamType.LIST, ParamType.STRUCT, ParamType.TASK_FINAL_STATUS)


@dataclass(frozen=True, eq=False, repr=False)
class Param(Record):
    name: str
    type: ParamType
    default: Any = None
    has_default: bool = False
    optional: bool = False
    description: str = ""
    literals: tuple[Any, ...] | None = None  # the only values allowed (dsl.Literal), in the IR's order

    @property
    def required(self) -> bool:
        return not (self.has_default or self.optional)


@dataclass(frozen=True, eq=False, repr=False)
class ArtifactType(Record):
    schema_title: str
    schema_version: str = "0.0.1"


@dataclass(frozen=True, eq=False, repr=False)
class Artifact(Record):
    name: str
    type: ArtifactType
    is_list: bool = False
    optional: bool = False
    description: str = ""


@dataclass(frozen=True, eq=False, repr=False)
class Interface(Record):
    in_params: tuple[Param, ...] = ()
    in_artifacts: tuple[Artifact, ...] = ()
    out_params: tuple[Param, ...] = ()
    out_artifacts: tuple[Artifact, ...] = ()

    def in_param(self, name: str) -> Param | None:
        return next((p for p in self.in_params if p.name == name), None)

    def in_artifact(self, name: str) -> Artifact | None:
        return next((a for a in self.in_artifacts if a.name == name), None)

    def out_param(self, name: str) -> Param | None:
        return next((p for p in self.out_params if p.name == name), None)

    def out_artifact(self, name: str) -> Artifact | None:
        return next((a for a in self.out_artifacts if a.name == name), None)


# ---------------------------------------------------------------------------------------------
# Where parameter values come from


class RuntimeKind(enum.Enum):
    """Values only the engine knows at run time (KFP's `{{$.pipeline_*}}` placeholders)."""

    JOB_NAME = "pipeline_job_name"
    JOB_RESOURCE_NAME = "pipeline_job_resource_name"
    JOB_UUID = "pipeline_job_uuid"
    TASK_NAME = "pipeline_task_name"
    TASK_UUID = "pipeline_task_uuid"
    PIPELINE_ROOT = "pipeline_root"
    CREATE_TIME = "pipeline_job_create_time_utc"
    SCHEDULE_TIME = "pipeline_job_schedule_time_utc"
    WORKSPACE_PATH = "workspace_path"


@dataclass(frozen=True, eq=False, repr=False)
class FromInput(Record):
    """An input of the enclosing scope (at the root: a pipeline parameter)."""

    name: str
    selector: tuple[str | int, ...] = ()  # JSON path into the value (parameterExpressionSelector)


@dataclass(frozen=True, eq=False, repr=False)
class FromTask(Record):
    """An output parameter of a sibling task in the same scope.

    `collected` is set when the producer is a loop: the value is the list of the per-iteration
    values in item order (dsl.Collected), whose elements have `element_type`.
    """

    task: str
    output: str
    selector: tuple[str | int, ...] = ()
    collected: bool = False
    element_type: ParamType | None = None


@dataclass(frozen=True, eq=False, repr=False)
class Constant(Record):
    value: Any


@dataclass(frozen=True, eq=False, repr=False)
class Runtime(Record):
    kind: RuntimeKind


@dataclass(frozen=True, eq=False, repr=False)
class Interpolation(Record):
    """A string assembled at run time from literal text and other values (f-strings, placeholders)."""

    parts: tuple[Union[str, "FromInput", "FromTask", "Runtime"], ...]


@dataclass(frozen=True, eq=False, repr=False)
class FinalStatus(Record):
    """The PipelineTaskFinalStatus of a task in this scope (exit handlers)."""

    task: str
    task_display_name: str


@dataclass(frozen=True, eq=False, repr=False)
class Absent(Record):
    """An optional input that nothing supplies: the component sees None / its default."""


ParamSource = Union[FromInput, FromTask, Constant, Runtime, Interpolation, FinalStatus, Absent]


@dataclass(frozen=True, eq=False, repr=False)
class FromInputArtifact(Record):
    name: str


@dataclass(frozen=True, eq=False, repr=False)
class FromTaskArtifact(Record):
    task: str
    output: str
    collected: bool = False


ArtifactSource = Union[FromInputArtifact, FromTaskArtifact]


@dataclass(frozen=True, eq=False, repr=False)
class ParamBinding(Record):
    name: str
    type: ParamType
    source: ParamSource


@dataclass(frozen=True, eq=False, repr=False)
class ArtifactBinding(Record):
    name: str
    type: ArtifactType
    is_list: bool
    source: ArtifactSource


# ---------------------------------------------------------------------------------------------
# Conditions: the CEL subset the SDK emits, as a tree
# (sdk/python/kfp/compiler/pipeline_spec_builder.py:1004-1140 @2.17.0)


@dataclass(frozen=True, eq=False, repr=False)
class Operand(Record):
    """A task input used in a condition, with the cast the CEL applied (`int(...)`, `double(...)`)."""

    input: str
    type: ParamType
    source: ParamSource
    cast: str | None = None  # None | "int" | "double"


@dataclass(frozen=True, eq=False, repr=False)
class Literal(Record):
    value: str | int | float | bool


@dataclass(frozen=True, eq=False, repr=False)
class Compare(Record):
    op: str  # == != < <= > >=
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True, eq=False, repr=False)
class Not(Record):
    operand: "Expr"


@dataclass(frozen=True, eq=False, repr=False)
class And(Record):
    operands: tuple["Expr", ...]


@dataclass(frozen=True, eq=False, repr=False)
class Or(Record):
    operands: tuple["Expr", ...]


Expr = Union[Operand, Literal, Compare, Not, And, Or]

# ---------------------------------------------------------------------------------------------
# Container command lines: KFP placeholders (sdk/python/kfp/dsl/placeholders.py:46-313 @2.17.0) parsed into trees


@dataclass(frozen=True, eq=False, repr=False)
class InputValue(Record):
    """`{{$.inputs.parameters['x']}}`: the value as text (JSON for lists/dicts, true/false)."""

    name: str


@dataclass(frozen=True, eq=False, repr=False)
class InputArtifactRef(Record):
    name: str
    attr: str  # "path" | "uri" | "metadata" | "list"
    key: str | None = None  # metadata['key']


@dataclass(frozen=True, eq=False, repr=False)
class OutputParamFile(Record):
    name: str


@dataclass(frozen=True, eq=False, repr=False)
class OutputArtifactRef(Record):
    name: str
    attr: str  # "path" | "uri" | "metadata" | "list"
    key: str | None = None


@dataclass(frozen=True, eq=False, repr=False)
class ExecutorInput(Record):
    """`{{$}}`: the whole ExecutorInput JSON; needs the in-pod launcher."""


@dataclass(frozen=True, eq=False, repr=False)
class ExecutorOutputFile(Record):
    """`{{$.outputs.output_file}}`: where the component may write executor_output.json."""


@dataclass(frozen=True, eq=False, repr=False)
class JsonEscape(Record):
    """`{{$.json_escape[N]}}`, `{{$.inputs.parameters['x'].json_escape[N]}}`: the inner value's text,
    escaped N times for a JSON string (Google Cloud Pipeline Components embed values in JSON payloads)."""

    level: int
    inner: "Arg"


@dataclass(frozen=True, eq=False, repr=False)
class Concat(Record):
    parts: tuple["Arg", ...]


@dataclass(frozen=True, eq=False, repr=False)
class IfPresent(Record):
    name: str
    then: tuple["Arg", ...]
    otherwise: tuple["Arg", ...]


Arg = Union[str, InputValue, InputArtifactRef, OutputParamFile, OutputArtifactRef, ExecutorInput,
            ExecutorOutputFile, Runtime, Concat, IfPresent, JsonEscape]

# A text field that may embed input values, such as `image` or a resource quantity.
TextTemplate = tuple[Union[str, InputValue], ...]


@dataclass(frozen=True, eq=False, repr=False)
class Resources(Record):
    cpu_limit: TextTemplate | None = None
    cpu_request: TextTemplate | None = None
    memory_limit: TextTemplate | None = None
    memory_request: TextTemplate | None = None
    accelerator_type: TextTemplate | None = None
    accelerator_count: TextTemplate | None = None

    @property
    def empty(self) -> bool:
        return all(getattr(self, f) is None for f in self.__dataclass_fields__)


@dataclass(frozen=True, eq=False, repr=False)
class Retry(Record):
    max_count: int
    backoff_seconds: float
    factor: float
    max_backoff_seconds: float


@dataclass(frozen=True, eq=False, repr=False)
class Caching(Record):
    """Per-task cache identity. `fingerprint` covers what defines the work statically; engines
    combine it with the run-time values of `keyed_inputs` to form their memoization key."""

    enabled: bool
    fingerprint: str
    custom_key: str | None
    keyed_inputs: tuple[str, ...]


# ---------------------------------------------------------------------------------------------
# Components


@dataclass(frozen=True, eq=False, repr=False)
class ContainerComponent(Record):
    name: str  # unique, DNS-1123 label
    ir_key: str
    executor: str
    interface: Interface
    image: TextTemplate
    command: tuple[Arg, ...]
    args: tuple[Arg, ...]
    env: tuple[tuple[str, TextTemplate], ...]
    resources: Resources
    needs_launcher: bool  # uses {{$}} or other values only the in-pod launcher can build
    digest: str  # equal for components that do the same work (the SDK writes one copy per task)

    kind = "container"


@dataclass(frozen=True, eq=False, repr=False)
class ImporterComponent(Record):
    """An artifact that already exists somewhere; `uri` is a constant or an input of the importer task."""

    name: str
    ir_key: str
    executor: str
    interface: Interface
    uri: ParamSource  # Constant or FromInput (of the importer task's own inputs)
    artifact_type: ArtifactType
    metadata: Mapping[str, Any]
    reimport: bool
    # KFP downloads the artifact into its workspace (/kfp-workspace/.artifacts/...) and consumers read
    # it there (importer_launcher.go:296-319, launcher_v2.go:1263-1278 @2.17.0).
    download_to_workspace: bool = False

    kind = "importer"


@dataclass(frozen=True, eq=False, repr=False)
class PvcComponent(Record):
    """kfp-kubernetes CreatePVC / DeletePVC. The SDK writes them as stub containers
    (`argostub/createpvc`, `argostub/deletepvc`) that only KFP's driver understands; engines create
    or delete the claim themselves. Inputs: access_modes, size, pvc_name, pvc_name_suffix,
    storage_class_name, volume_name, annotations, data_source (create); pvc_name (delete)."""

    name: str
    ir_key: str
    interface: Interface
    op: str  # "create" | "delete"

    kind = "pvc"


@dataclass(frozen=True, eq=False, repr=False)
class DagOutputParam(Record):
    name: str
    type: ParamType
    sources: tuple[FromTask, ...]  # more than one: OneOf, the first branch that ran wins


@dataclass(frozen=True, eq=False, repr=False)
class DagOutputArtifact(Record):
    name: str
    type: ArtifactType
    is_list: bool
    sources: tuple[FromTaskArtifact, ...]


@dataclass(frozen=True, eq=False, repr=False)
class Loop(Record):
    item_input: str  # the body's input that receives one item
    items: tuple[Any, ...] | None = None  # static items (parameterIterator.items.raw)
    source: ParamSource | ArtifactSource | None = None  # dynamic items
    parallelism: int | None = None
    over_artifacts: bool = False


@dataclass(frozen=True, eq=False, repr=False)
class Task(Record):
    key: str  # the IR task key
    name: str  # unique in its scope, DNS-1123 label
    display_name: str
    component: str  # name of a component in Plan.components
    params: tuple[ParamBinding, ...]
    artifacts: tuple[ArtifactBinding, ...]
    depends: tuple[str, ...]  # task keys in the same scope this task waits for
    condition: Expr | None = None
    run_after_failure: bool = False  # ALL_UPSTREAM_TASKS_COMPLETED (exit handlers, ignore_upstream_failure)
    loop: Loop | None = None
    retry: Retry | None = None
    caching: Caching | None = None
    path: str = ""  # IR path, for messages
    k8s: "TaskK8s | None" = None  # kfp-kubernetes settings of the task's pod
    # A dsl.TaskConfig input names KFP's workspace claim as Argo names it (<run>-kfp-workspace).
    task_config_claim: bool = False

    def param(self, name: str) -> ParamBinding | None:
        return next((b for b in self.params if b.name == name), None)

    def artifact(self, name: str) -> ArtifactBinding | None:
        return next((b for b in self.artifacts if b.name == name), None)


@dataclass(frozen=True, eq=False, repr=False)
class DagComponent(Record):
    name: str
    ir_key: str
    interface: Interface
    tasks: tuple[Task, ...]  # deterministic topological order
    out_params: tuple[DagOutputParam, ...]
    out_artifacts: tuple[DagOutputArtifact, ...]

    kind = "dag"

    def task(self, key: str) -> Task:
        return self._by_key[key]  # a KeyError for an unknown key

    @functools.cached_property
    def _by_key(self) -> dict[str, Task]:
        """Looked up once per task reference: a scan each time made large DAGs quadratic."""
        return {t.key: t for t in self.tasks}


Component = Union[ContainerComponent, ImporterComponent, PvcComponent, DagComponent]


@dataclass(frozen=True, eq=False, repr=False)
class Plan(Record):
    name: str  # pipelineInfo.name as written
    k8s_name: str  # DNS-1123 form for resource names
    display_name: str
    description: str
    sdk_version: str
    pipeline_root: str
    inputs: tuple[Param, ...]
    root: str  # name of the root DagComponent
    components: Mapping[str, Component]
    source: str  # file name, for messages
    run_config: "RunConfig | None" = None  # kfp-kubernetes pipelineConfig
    warnings: tuple[str, ...] = ()  # what the IR asks for that the plan leaves out (docs/ir-coverage.md)
    artifact_uris: tuple[tuple[str, str], ...] = ()  # root input artifact -> URI given at compile time (-p)

    def artifact_uri(self, name: str) -> str | None:
        return dict(self.artifact_uris).get(name)

    def component(self, name: str) -> Component:
        return self.components[name]

    @property
    def root_dag(self) -> DagComponent:
        root = self.components[self.root]
        assert isinstance(root, DagComponent)
        return root
