"""Rewrites before rendering (kfpc.plan.transforms, kfpc.plan.scopes): each on small plans built by
hand, and compile_plan applying what a backend declares, in order, before the backend renders."""

from __future__ import annotations

from typing import Any

import pytest

import toy_backends as toy
from conftest import GOLDEN
from kfpc import compiler
from kfpc.backend import Options, Output
from kfpc.errors import UnsupportedError
from kfpc.plan.model import (
    Artifact, ArtifactBinding, ArtifactType, FromTaskArtifact, ImporterComponent, Compare, Component, Constant, ContainerComponent, DagComponent, DagOutputParam, FinalStatus, FromInput,
    FromTask, InputValue, Interface, Literal, Loop, Operand, Param, ParamBinding, ParamSource, ParamType, Plan,
    Resources, Runtime, RuntimeKind, Task,
)
from kfpc.plan import importers, scopes, transforms
from kfpc.plan.transforms import flatten, pipeline_root

S = ParamType.STRING
HELLO = GOLDEN / "hello_container" / "pipeline.yaml"


# -- building small plans ----------------------------------------------------------------------


def container(name: str, inputs: tuple[str, ...] = (), outputs: tuple[str, ...] = ()) -> ContainerComponent:
    iface = Interface(tuple(Param(n, S) for n in inputs), (), tuple(Param(n, S) for n in outputs))
    return ContainerComponent(name, name, f"exec-{name}", iface, ("alpine:3.19",), ("echo",),
                                tuple(InputValue(n) for n in inputs), (), Resources(), False, name)


def task(key: str, component: str, params: dict[str, ParamSource] | None = None, depends: tuple[str, ...] = (),
         **more: Any) -> Task:
    bindings = tuple(ParamBinding(n, S, s) for n, s in (params or {}).items())
    return Task(key, key, key, component, bindings, (), depends, **more)


def dag(name: str, tasks: tuple[Task, ...], inputs: tuple[str, ...] = (),
        outputs: dict[str, FromTask] | None = None) -> DagComponent:
    outs = tuple(DagOutputParam(n, S, (s,)) for n, s in (outputs or {}).items())
    iface = Interface(tuple(Param(n, S) for n in inputs), (), tuple(Param(o.name, S) for o in outs))
    return DagComponent(name, name, iface, tasks, outs, ())


def plan(components: tuple[Component, ...], inputs: tuple[Param, ...] = ()) -> Plan:
    by_name = {c.name: c for c in components}
    return Plan("nested", "nested", "", "", "", "gs://ir-root", inputs, "root", by_name, "nested.yaml")


def nested() -> Plan:
    """root: `sub` (a sub-pipeline: `a` then `b`) and `after`, which reads the sub-pipeline's output."""
    inner = dag("inner", (task("a", "echo", {"text": FromInput("x")}),
                          task("b", "echo", {"text": FromTask("a", "out")}, ("a",))),
                inputs=("x",), outputs={"res": FromTask("b", "out")})
    root = dag("root", (task("sub", "inner", {"x": FromInput("msg")}),
                        task("after", "echo", {"text": FromTask("sub", "res")}, ("sub",))))
    return plan((root, inner, container("echo", ("text",), ("out",))),
                (Param("msg", S, "hi", has_default=True),))


# -- the transforms ----------------------------------------------------------------------------


def test_apply_runs_each_transform_on_the_previous_result() -> None:
    seen: list[str] = []

    def mark(label: str) -> transforms.Transform:
        def transform(plan: Plan) -> Plan:
            seen.append(f"{label}:{plan.pipeline_root}")
            return pipeline_root.override(plan, plan.pipeline_root + label)
        return transform

    result = transforms.apply(nested(), (mark("/a"), mark("/b")))
    assert seen == ["/a:gs://ir-root", "/b:gs://ir-root/a"]
    assert result.pipeline_root == "gs://ir-root/a/b"


def test_pipeline_root_override() -> None:
    original = nested()
    assert pipeline_root.override(original, None) is original  # the IR's root stays
    assert pipeline_root.override(original, "s3://given").pipeline_root == "s3://given"
    assert pipeline_root.override(original, "").pipeline_root == ""  # an empty root is a value too
    assert original.pipeline_root == "gs://ir-root"  # plans are never changed in place


def test_flatten_inlines_sub_dags_and_resolves_values_through_them() -> None:
    original = nested()
    flat_plan = flatten.flatten(original)
    assert isinstance(flat_plan, flatten.FlatPlan)  # still the plan, with its flat view
    assert flat_plan.components is original.components and flat_plan.root_dag is original.root_dag
    view = flatten.flat_view(flat_plan)
    assert view is not None
    assert [(t.id, t.path) for t in view.tasks] == [("sub-a", ("sub", "a")), ("sub-b", ("sub", "b")),
                                                    ("after", ("after",))]
    a, b, after = view.tasks
    assert a.params["text"] == (S, flatten.Param("msg"))  # through `sub`'s input to the pipeline parameter
    assert b.params["text"] == (S, flatten.Out("sub-a", "out", element_type=S))
    assert b.after == {"sub-a"}
    assert after.after == {"sub-a", "sub-b"}  # waiting for `sub` is waiting for everything in it
    assert after.params["text"] == (S, flatten.Out("sub-b", "out", element_type=S))  # the DAG output's producer
    assert flatten.flat_view(nested()) is None


def test_flatten_turns_conditions_loops_and_exit_groups_into_task_properties() -> None:
    cond = Compare("==", Operand("x", S, FromInput("msg")), Literal("go"))
    body = dag("body", (task("work", "echo", {"text": FromInput("item")}),), inputs=("item",),
               outputs={"out": FromTask("work", "out")})
    branch = dag("branch", (task("for-loop-2", "body", loop=Loop("item", items=("a", "b"))),),
                 outputs={"all": FromTask("for-loop-2", "out")})
    cleanup = dag("cleanup", (task("tidy", "echo", {"text": Constant("done")}),))
    root = dag("root", (task("condition-1", "branch", condition=cond),
                        task("use", "echo", {"text": FromTask("condition-1", "all")}, ("condition-1",)),
                        task("exit", "cleanup", depends=("use",), run_after_failure=True)))
    view = flatten.flatten(plan((root, branch, body, cleanup, container("echo", ("text",), ("out",))),
                                (Param("msg", S),))).flat
    assert view is not None
    work, use, tidy = view.tasks
    assert work.id == "work"  # the SDK's condition and loop groups add nothing to a name
    assert [g.id for g in work.guards] == ["condition-1"]
    assert work.guards[0].expr.left.source == flatten.Param("msg")  # type: ignore[attr-defined]
    assert [(lp.id, lp.items) for lp in work.loops] == [("condition-1/for-loop-2", ("a", "b"))]
    assert work.params["text"] == (S, flatten.Item("condition-1/for-loop-2"))
    assert use.params["text"] == (S, flatten.Out("work", "out", loops=1, element_type=S))  # collected
    assert not use.guards and not use.loops and use.after == {"work"}
    assert tidy.finally_ and tidy.after == {"use"} and not use.finally_


def test_flatten_refuses_what_a_flat_list_cannot_say_naming_the_engine() -> None:
    inner = dag("inner", (task("a", "echo", {"text": FromInput("x", selector=("k",))}),), inputs=("x",))
    root = dag("root", (task("sub", "inner", {"x": Runtime(RuntimeKind.JOB_NAME)}),))
    with pytest.raises(UnsupportedError, match="selecting a field of this value is not supported on Nowhere"):
        flatten.flatten(plan((root, inner, container("echo", ("text",), ("out",)))), engine="Nowhere")


def test_flatten_takes_task_names_from_the_engine_namer() -> None:
    class Short(flatten.FlatNamer):
        def task(self, text: str, fanned_out: bool) -> str:
            return self.name("t-" + text)

    view = flatten.flatten(nested(), namer=lambda: Short(max_len=7)).flat
    assert view is not None
    names = [t.id for t in view.tasks]
    assert names == ["t-sub-a", "t-sub-b", "t-after"]
    assert view.namer.helper("t-sub-a") not in names  # helper tasks get names clear of the flat tasks'


# -- scopes --------------------------------------------------------------------------------------


def shared_dag_plan() -> Plan:
    """`inner` is called twice, with its input bound to a constant and to a pipeline parameter."""
    inner = dag("inner", (task("a", "echo", {"text": FromInput("x")}),), inputs=("x",))
    root = dag("root", (task("one", "inner", {"x": Constant("s3://b/k")}),
                        task("two", "inner", {"x": FromInput("uri")}),
                        task("three", "inner")))
    return plan((root, inner, container("echo", ("text",))), (Param("uri", S, "gs://b/k", has_default=True),))


def test_callers_lists_every_call_of_a_component() -> None:
    calls = scopes.callers(shared_dag_plan())
    assert [(parent.name, t.key) for parent, t in calls["inner"]] == [("root", "one"), ("root", "two"),
                                                                      ("root", "three")]
    assert [t.key for _, t in calls["echo"]] == ["a"]


def test_origins_follow_an_input_over_every_call_site() -> None:
    shared = shared_dag_plan()
    inner = shared.component("inner")
    assert isinstance(inner, DagComponent)
    found = [(scope.name, type(s).__name__, getattr(s, "value", getattr(s, "name", None)))
             for scope, s in scopes.origins(shared, inner, FromInput("x"), scopes.callers(shared))]
    # `three` leaves the input unbound: it adds nothing
    assert found == [("root", "Constant", "s3://b/k"), ("root", "FromInput", "uri")]
    with_selector = FromInput("x", selector=("k",))
    assert list(scopes.origins(shared, inner, with_selector, scopes.callers(shared))) == [(inner, with_selector)]


def test_called_inputs_resolve_a_call_s_bindings_in_the_caller() -> None:
    call = shared_dag_plan().root_dag.task("two")
    assert scopes.called_inputs(call, lambda source: type(source).__name__) == {"x": "FromInput"}


def test_produced_walks_a_dag_output_down_to_the_leaf_tasks_through_loops_and_one_ofs() -> None:
    body = dag("body", (task("work", "echo", {"text": FromInput("item")}),), inputs=("item",),
               outputs={"out": FromTask("work", "out")})
    either = DagComponent("either", "either", Interface((), (), (Param("res", S),)),
                          (task("left", "echo"), task("right", "echo")),
                          (DagOutputParam("res", S, (FromTask("left", "out"), FromTask("right", "out"))),), ())
    root = dag("root", (task("for-loop-1", "body", loop=Loop("item", items=("a",))), task("pick", "either")))
    walked = plan((root, body, either, container("echo", ("text",), ("out",))))
    looped = scopes.produced(walked, walked.root_dag, "for-loop-1", "out")
    assert (looped.task.key, looped.is_leaf, looped.task.loop is not None) == ("for-loop-1", False, True)
    assert [(p.task.key, p.output, p.is_leaf, p.inner) for p in looped.inner] == [("work", "out", True, ())]
    picked = scopes.produced(walked, walked.root_dag, "pick", "res")
    assert [p.task.key for p in picked.inner] == ["left", "right"]  # a OneOf: every branch, in order
    assert scopes.output_producers(walked, either, "res") == picked.inner
    with pytest.raises(UnsupportedError, match="DAG 'either' has no artifact output 'res'"):
        scopes.produced(walked, walked.root_dag, "pick", "res", artifact=True)
    with pytest.raises(UnsupportedError, match="DAG 'body' has no output 'nope'"):
        scopes.produced(walked, walked.root_dag, "for-loop-1", "nope")


def test_argo_stores_collected_artifacts_along_the_shared_walk() -> None:
    """Argo's storage route and the flattener both follow kfpc.plan.scopes.produced."""
    from kfpc_backends.argo import collect

    plan_, _ = compiler.load_plan(str(GOLDEN / "collected_artifacts" / "pipeline.yaml"))
    bodies = [plan_.component(name) for name in sorted(collect.loop_bodies(plan_))]
    routed = [(b.name, o.name, collect.route(plan_, b, o.name)) for b in bodies if isinstance(b, DagComponent)
              for o in b.out_artifacts]
    assert routed
    for body, output, route in routed:
        found = scopes.output_producers(plan_, plan_.component(body), output, artifact=True)  # type: ignore[arg-type]
        keys = []
        while found:
            keys.append(found[0].task.name)
            leaf_output = found[0].output
            found = found[0].inner
        assert route.rel == "/" + "/".join(keys) and route.output == leaf_output


def importer_plan() -> Plan:
    """`inner` imports the URI its caller gives (a constant at one call, a parameter with a default at
    the other) and `read` consumes it; the root imports a constant into KFP's workspace."""
    model = ArtifactType("system.Model")
    uri_input = ImporterComponent("imp", "imp", "exec-imp", Interface((Param("uri", S),), (),
                                  (), (Artifact("artifact", model),)), FromInput("uri"), model, {"k": "v"}, False)
    fixed = ImporterComponent("fixed", "fixed", "exec-fixed", Interface((), (), (), (Artifact("artifact", model),)),
                              Constant("gs://b/fixed"), model, {}, False, download_to_workspace=True)
    reader = ContainerComponent("read", "read", "exec-read", Interface((), (Artifact("model", model),), ()),
                                ("alpine:3.19",), ("cat",), (), (), Resources(), False, "read")
    read = Task("read", "read", "read", "read", (),
                (ArtifactBinding("model", model, False, FromTaskArtifact("get", "artifact")),), ("get",))
    inner = dag("inner", (task("get", "imp", {"uri": FromInput("x")}), read), inputs=("x",))
    root = dag("root", (task("one", "inner", {"x": Constant("S3://b/k")}), task("two", "inner", {"x": FromInput("u")}),
                        task("pinned", "fixed"), task("unbound", "imp")))
    return plan((root, inner, uri_input, fixed, reader), (Param("u", S, "s3://b/default", has_default=True),))


def test_importers_are_found_with_the_inputs_they_feed_and_the_uris_they_can_import() -> None:
    imp = importer_plan()
    inner = imp.component("inner")
    assert isinstance(inner, DagComponent)
    found = importers.importers(imp, inner)
    assert list(found) == ["get"] and list(importers.importers(imp, imp.root_dag)) == ["pinned", "unbound"]
    assert {name: t.key for name, t in importers.imported_inputs(inner, inner.task("read"), found).items()} == \
        {"model": "get"}
    assert importers.imported_inputs(inner, inner.task("get"), found) == {}
    calls = scopes.callers(imp)
    over_calls = importers.uri(imp, inner, inner.task("get"), calls)
    assert over_calls.constant is None and over_calls.source is inner.task("get").param("uri").source  # type: ignore[union-attr]
    assert over_calls.known == {"S3://b/k", "s3://b/default"} and over_calls.schemes == {"s3"}
    pinned = importers.uri(imp, imp.root_dag, imp.root_dag.task("pinned"), calls)
    assert (pinned.constant, pinned.known, pinned.schemes) == ("gs://b/fixed", {"gs://b/fixed"}, {"gs"})
    with pytest.raises(UnsupportedError, match="importer 'unbound' has no URI input 'uri'"):
        importers.uri(imp, imp.root_dag, imp.root_dag.task("unbound"), calls)
    assert importers.metadata(imp.component("imp")) == {"k": "v"}  # type: ignore[arg-type]
    assert importers.metadata(imp.component("fixed")) == {"_kfp_workspace": True}  # type: ignore[arg-type]
    assert (importers.scheme("HTTPS://x/y"), importers.scheme("models/m1")) == ("https", "")


# -- compile_plan and backends -------------------------------------------------------------------


class Captures:
    """A backend that keeps the plan it was given."""

    name = "captures"
    description = "test"
    protocol_version = 1
    options = ()
    expected_unsupported: dict[str, str] = {}

    def __init__(self, declared: tuple[transforms.Transform, ...] = ()) -> None:
        self.transforms = declared
        self.plans: list[Plan] = []

    def compile(self, plan: Plan, options: Options) -> Output:
        self.plans.append(plan)
        return Output([], [])

    def document_schema(self, document: Any) -> None:
        return None


def test_compile_plan_applies_declared_transforms_in_order() -> None:
    plan_, _ = compiler.load_plan(str(HELLO))
    result = compiler.compile_plan(plan_, toy.TransformsInOrder())
    assert result.documents[0]["metadata"]["generateName"] == "hello-container-first-second-"
    plain = compiler.compile_plan(plan_, toy.TransformsInOrder.__mro__[1]())  # the same backend, declaring none
    assert plain.documents[0]["metadata"]["generateName"] == "hello-container-"


def test_compile_plan_gives_every_backend_the_pipeline_root_option() -> None:
    plan_, _ = compiler.load_plan(str(HELLO))
    engine = Captures()
    compiler.compile_plan(plan_, engine, Options(pipeline_root="s3://given"))
    compiler.compile_plan(plan_, engine)
    assert [q.pipeline_root for q in engine.plans] == ["s3://given", plan_.pipeline_root]


def test_a_backend_declaring_flattening_receives_a_flat_plan() -> None:
    engine = Captures((flatten.flatten,))
    compiler.compile_plan(nested(), engine)
    view = flatten.flat_view(engine.plans[0])
    assert view is not None and [t.id for t in view.tasks] == ["sub-a", "sub-b", "after"]
    assert all(not isinstance(t.component, DagComponent) for t in view.tasks)


def test_flattening_lets_a_flat_engine_run_sub_pipelines() -> None:
    """The example engine refuses nested DAGs; with flattening declared, it runs them as steps."""
    inner = dag("inner", (task("a", "echo", {"text": FromInput("x")}),
                          task("b", "echo", {"text": Constant("two")}, ("a",))), inputs=("x",))
    root = dag("root", (task("sub", "inner", {"x": FromInput("msg")}),
                        task("after", "echo", {"text": Constant("three")}, ("sub",))))
    two_levels = plan((root, inner, container("echo", ("text",))), (Param("msg", S, "hi", has_default=True),))
    with pytest.raises(UnsupportedError, match="dag components are not supported by flat"):
        compiler.compile_plan(two_levels, toy.TransformsInOrder.__mro__[1]())
    steps = compiler.compile_plan(two_levels, toy.FlattensNestedDags()).documents[0]["spec"]["steps"]
    assert steps == [
        {"name": "sub-a", "image": "alpine:3.19", "command": ["echo", "$(params.msg)"]},
        {"name": "sub-b", "image": "alpine:3.19", "command": ["echo", "two"], "after": ["sub-a"]},
        {"name": "after", "image": "alpine:3.19", "command": ["echo", "three"], "after": ["sub-a", "sub-b"]},
    ]


def test_built_in_backends_declare_their_rewrites() -> None:
    from kfpc_backends.argo import ArgoBackend, naming, splitting
    from kfpc_backends.tekton import TektonBackend
    from kfpc_backends.tekton import flatten as tekton_flatten

    assert ArgoBackend.transforms == (naming.checked,)
    (split,) = ArgoBackend().plan_transforms(Options())  # Argo 4, the default
    assert split.func is splitting.transform and split.keywords["settings"].limit == 1024 * 1024
    assert ArgoBackend().plan_transforms(Options(extra=(("argo-version", "3.7"),))) == ()
    assert TektonBackend.transforms == (tekton_flatten.transform,)
    flat_plan = tekton_flatten.transform(nested())
    assert isinstance(flat_plan, flatten.FlatPlan) and isinstance(flat_plan.flat.namer, tekton_flatten.TaskNamer)


def test_tekton_refuses_a_final_status_read_under_a_condition() -> None:
    from kfpc_backends.tekton import flatten as tekton_flatten

    root = dag("root", (task("work", "echo"),
                        task("report", "echo", {"text": FinalStatus("work", "work")}, ("work",),
                             condition=Compare("==", Literal("a"), Literal("a")), run_after_failure=True)))
    with pytest.raises(UnsupportedError, match="reads a final status and has a condition"):
        tekton_flatten.flatten(tekton_flatten.transform(plan((root, container("echo", ("text",), ("out",))))))


@pytest.mark.parametrize("backend", ["argo", "tekton"])
def test_built_in_backends_render_the_pipeline_root_the_core_applied(backend: str) -> None:
    """Neither backend reads the option any more: the root must reach them through the plan."""
    ir = GOLDEN / "pipeline_placeholders" / "pipeline.yaml"
    given = compiler.compile_file(str(ir), backend, Options(pipeline_root="s3://given-root/x")).text()
    assert given.count("s3://given-root/x") == 1
    assert "s3://given-root/x" not in compiler.compile_file(str(ir), backend).text()


def test_tekton_renders_one_flattened_plan_the_same_way_twice() -> None:
    """The flat view carries the namer helper tasks take names from: a second rendering of the same
    plan object must not see the names the first one took."""
    from kfpc_backends.tekton import TektonBackend
    from kfpc_backends.tekton import flatten as tekton_flatten

    plan_, _ = compiler.load_plan(str(GOLDEN / "conditions" / "pipeline.yaml"))
    flat_plan = tekton_flatten.transform(plan_)
    first = TektonBackend().compile(flat_plan, Options()).documents
    assert TektonBackend().compile(flat_plan, Options()).documents == first


def test_compile_plan_applies_transforms_that_depend_on_the_options_after_the_fixed_ones() -> None:
    seen: list[str] = []

    def mark(label: str) -> transforms.Transform:
        def transform(plan: Plan) -> Plan:
            seen.append(label)
            return plan
        return transform

    class ByOption(Captures):
        def plan_transforms(self, options: Options) -> tuple[transforms.Transform, ...]:
            return tuple(mark(value) for _, value in options.extra)

    engine = ByOption((mark("fixed"),))
    compiler.compile_plan(nested(), engine, Options(extra=(("a", "first"), ("b", "second"))))
    compiler.compile_plan(nested(), engine)
    assert seen == ["fixed", "first", "second", "fixed"]
    assert len(engine.plans) == 2


def test_argo_splits_through_its_option_dependent_transform_keeping_the_whole_plan() -> None:
    import json

    from synthetic import chain_ir

    from kfpc_backends.argo import ArgoBackend, splitting

    big, _ = compiler.load_text(json.dumps(chain_ir(250)), "chain.json")
    split_plan = splitting.transform(big)
    assert isinstance(split_plan, splitting.SplitPlan) and splitting.whole(split_plan) is big
    assert splitting.too_deep(split_plan) is None
    assert len(split_plan.components) > len(big.components)  # the root's 250 tasks now sit in parts
    assert len(split_plan.root_dag.tasks) < len(big.root_dag.tasks)
    assert splitting.whole(big) is big and splitting.too_deep(big) is None  # an unsplit plan is its own whole

    class Seen(ArgoBackend):
        def compile(self, plan: Plan, options: Options) -> Output:
            self.given = plan
            return super().compile(plan, options)

    engine = Seen()
    compiler.compile_plan(big, engine)
    assert isinstance(engine.given, splitting.SplitPlan)
    assert splitting.children_estimate(engine.given) is None
    compiler.compile_plan(big, engine, Options(extra=(("argo-version", "3.7"),)))
    assert not isinstance(engine.given, splitting.SplitPlan)  # Argo 3's CRD has no caps
    # Far over a 40 KiB limit (probe.py): left whole, for child Workflows that split themselves.
    compiler.compile_plan(big, engine, Options(extra=(("max-workflow-size", "40Ki"),)))
    assert isinstance(engine.given, splitting.SplitPlan) and splitting.children_estimate(engine.given)
    assert engine.given.components == big.components
