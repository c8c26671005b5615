"""Task results as Tekton counts them: each step's termination message is Go's json.Marshal of every
result file plus a StartedAt entry, at most 4096 bytes, and the kubelet keeps 12 KiB per pod shared
by its containers. The runtime must refuse exactly what Tekton would, with a clear message; the
simulator (tests/tekton_sim.py) writes the message the way the entrypoint does. (No `from __future__
import annotations`: the kfp SDK reads the components' annotations as types.)"""

import json
from pathlib import Path

import pytest
import tekton_sim

import kfpc
from kfpc.backend import Options

dsl = pytest.importorskip("kfp.dsl")
compiler = pytest.importorskip("kfp.compiler")


def runtime() -> dict:
    return tekton_sim.runtime_functions()


@pytest.mark.parametrize("text", ["plain", 'q"b\\', "<a href='x'>&amp;</a>", "tab\tnl\ncr\r", "\x00\x01\x1f\x7f",
                                  "\u2028\u2029", "é中😀", "\b\f"])
def test_the_runtime_counts_bytes_as_go_encodes_them(text: str) -> None:
    rt = runtime()
    assert rt["go_json_length"](text) == len(tekton_sim.go_json(text).encode("utf-8"))
    if "<" in text:
        assert "\\u003c" in tekton_sim.go_json(text) and "\\u0026" in tekton_sim.go_json(text)


def test_the_runtime_counts_the_whole_message(tmp_path: Path) -> None:
    rt = runtime()
    (tmp_path / "a").write_text("x<y", "utf-8")
    (tmp_path / "keys").write_text(json.dumps(["0", "1"]), "utf-8")
    entries = [(p.name, p.read_text("utf-8"), 1) for p in sorted(tmp_path.iterdir())]
    expected = len(tekton_sim.termination_message(tmp_path))
    assert rt["message_length"](entries) + len(rt["STARTED_AT"]) + 1 == expected


def compile_run(fn, tmp: Path) -> dict:
    tmp.mkdir(parents=True, exist_ok=True)
    ir = tmp / "ir.yaml"
    compiler.Compiler().compile(fn, str(ir))
    return kfpc.compile_file(str(ir), backend="tekton", options=Options()).documents[0]


@dsl.container_component
def shout(word: str):
    return dsl.ContainerSpec(image="alpine:3.19", command=["echo"], args=[word])


def value_pipeline(text: str):
    @dsl.component(base_image="python:3.11-slim")
    def make(text: str) -> str:
        return text

    @dsl.pipeline(name="result-size")
    def pipeline(text: str = text):
        shout(word=make(text=text).output)

    return pipeline


def run_with(tmp: Path, text: str) -> tekton_sim.Outcome:
    return tekton_sim.simulate(compile_run(value_pipeline("x"), tmp), tmp / "run", params={"text": text})


def errors(outcome: tekton_sim.Outcome, task: str) -> list[str]:
    return [s[3] for r in outcome.states[task].runs for s in r.steps if s[1]]


def test_html_characters_take_six_bytes(tmp_path: Path) -> None:
    """1,600 bytes of < and &: 9,600 in the message. The runtime refuses it itself, clearly."""
    outcome = run_with(tmp_path, "<&" * 800)
    assert outcome.status == "Failed"
    (error,) = errors(outcome, "make")
    assert "does not fit" in error and "4096" in error and "--backend argo" in error


def test_plain_values_up_to_the_real_limit_pass(tmp_path: Path) -> None:
    """Just under 4096 bytes in the message passes (the old count refused anything over ~3.5 KB)."""
    big = "x" * 3980
    outcome = run_with(tmp_path / "ok", big)
    assert outcome.status == "Succeeded", errors(outcome, "make")
    assert outcome.stdout("shout") == big + "\n"
    over = run_with(tmp_path / "over", "x" * 4040)
    assert over.status == "Failed" and "does not fit" in errors(over, "make")[0]


def test_a_json_dict_counts_its_escaped_quotes(tmp_path: Path) -> None:
    """A 2,860-byte JSON dict: every quote is two bytes in the message."""
    text = json.dumps({f"k{i}": "v" for i in range(300)}, separators=(",", ":"))
    assert 2800 < len(text) < 3584 and 4096 < len(tekton_sim.go_json(text))
    outcome = run_with(tmp_path, text)
    assert outcome.status == "Failed" and "does not fit" in errors(outcome, "make")[0]


@pytest.mark.parametrize("n,fits", [(508, True), (509, False)])
def test_a_gate_over_a_run_time_list_fits_about_500_keys(tmp_path: Path, n: int, fits: bool) -> None:
    @dsl.component(base_image="python:3.11-slim")
    def numbers(n: int) -> list:
        return list(range(n))

    @dsl.component(base_image="python:3.11-slim")
    def square(x: int) -> int:
        return x * x

    @dsl.pipeline(name="wide-gate")
    def pipeline(n: int = 3):
        with dsl.ParallelFor(numbers(n=n).output) as item:
            square(x=item)

    run = compile_run(pipeline, tmp_path)
    (gate,) = [t for t in run["spec"]["pipelineSpec"]["tasks"] if t["name"].startswith("gate")]
    sim = tekton_sim.Sim(run, tmp_path / "run", params={"n": str(n)})
    tasks = {t["name"]: t for t in run["spec"]["pipelineSpec"]["tasks"]}
    sim.states["numbers"] = sim.schedule(tasks["numbers"], finally_=False)
    state = sim.schedule(gate, finally_=False)
    assert (state.status == "Succeeded") == fits, errors_of(state)
    if not fits:
        assert "does not fit" in errors_of(state)[0]


def errors_of(state: tekton_sim.State) -> list[str]:
    return [s[3] for r in state.runs for s in r.steps if s[1]]


def test_pods_with_many_steps_get_less_than_4096_bytes() -> None:
    from kfpc_backends.tekton.units import Unit

    unit = Unit("t", steps=[{"name": f"s{i}", "env": [{"name": "KFPC_SPEC", "value": {"t": "x"}}]} for i in range(5)])
    unit.result("r")
    rendered = unit.render()
    spec = json.loads(rendered["taskSpec"]["steps"][0]["env"][0]["value"])
    assert spec["pc"] == 6
    rt = runtime()
    rt["SPEC"].update(spec)
    assert rt["result_limit"]() == 12288 // 6


def test_a_pipeline_output_artifact_is_warned_about(tmp_path: Path) -> None:
    """Tekton's pipeline results are strings a task wrote; an artifact output gets none, and says so."""
    @dsl.component(base_image="python:3.11-slim")
    def model(out: dsl.Output[dsl.Model]):
        with open(out.path, "w") as f:
            f.write("m")

    @dsl.pipeline(name="artifact-output")
    def pipeline() -> dsl.Model:
        return model().outputs["out"]

    ir = tmp_path / "ir.yaml"
    compiler.Compiler().compile(pipeline, str(ir))
    result = kfpc.compile_file(str(ir), backend="tekton")
    assert "results" not in result.documents[0]["spec"]["pipelineSpec"]
    assert any("pipeline output artifact 'Output'" in w for w in result.warnings), result.warnings
