"""The daily workflow of pipeline authors and platform engineers: compiling from Python, parameter files,
warnings in CI, output formats, durations, Tekton's split template, config discovery, pictures, and the
library entry point. CLI behaviour is tested through `python -m kfpc`, as users run it."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import GOLDEN

import kfpc
from kfpc import compiler, run_options
from kfpc.errors import KfpcError, UsageError

HELLO = GOLDEN / "hello_container" / "pipeline.yaml"
SEED = GOLDEN / "seed_ml_pipeline"
REQUIRED = "pipeline parameter 'raw_data_path' (STRING) is required and has no default or value"


def kfpc_cli(*args: str, cwd: Path | None = None, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "kfpc", *args], capture_output=True, text=True, cwd=cwd, env=env,
                          check=False)


def kfp_ir(func, tmp_path: Path) -> Path:
    """What `kfp dsl compile` writes for a pipeline function, compiled in-process by the kfp SDK."""
    from kfp import compiler as kfp_compiler

    target = tmp_path / "kfp-written.yaml"
    kfp_compiler.Compiler().compile(pipeline_func=func, package_path=str(target))
    return target


def load_pipeline(case: str, name: str):
    import importlib.util

    spec = importlib.util.spec_from_file_location(f"golden_{case}", GOLDEN / case / "pipeline.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return getattr(module, name)


# ---------------------------------------------------------------------------------------------
# 1. --py


@pytest.mark.parametrize("case,function,flags", [
    ("seed_ml_pipeline", "ml_pipeline", ["-p", "raw_data_path=gs://b/d.csv"]),
    ("loops", None, ["-b", "tekton"]),
    ("subpipelines", "pipeline", ["--kind", "template"]),
])
def test_py_is_byte_identical_to_compiling_the_ir_kfp_writes(case, function, flags, tmp_path: Path) -> None:
    pytest.importorskip("kfp")
    args = ["compile", "--py", str(GOLDEN / case / "pipeline.py"), *flags]
    proc = kfpc_cli(*args, *(["--function", function] if function else []))
    assert proc.returncode == 0, proc.stderr
    ir = kfp_ir(load_pipeline(case, function or "pipeline"), tmp_path)
    via_ir = kfpc_cli("compile", str(ir), *flags)
    assert via_ir.returncode == 0, via_ir.stderr
    assert proc.stdout == via_ir.stdout and proc.stdout.startswith("apiVersion")


def test_py_with_several_pipelines_lists_them() -> None:
    pytest.importorskip("kfp")
    proc = kfpc_cli("compile", "--py", str(GOLDEN / "subpipelines" / "pipeline.py"))
    assert proc.returncode == 1
    assert "defines 3 pipelines: make_data, pipeline, prepare" in proc.stderr and "--function" in proc.stderr
    # an alias (`pipeline = ml_pipeline`) is one pipeline, not two
    proc = kfpc_cli("compile", "--py", str(SEED / "pipeline.py"), "-p", "raw_data_path=x")
    assert proc.returncode == 0, proc.stderr
    proc = kfpc_cli("compile", "--py", str(GOLDEN / "loops" / "pipeline.py"), "--function", "pipelin")
    assert proc.returncode == 1 and "no pipeline function 'pipelin'" in proc.stderr
    assert "did you mean 'pipeline'?" in proc.stderr


def test_py_without_the_kfp_sdk_says_which_extra_to_install(tmp_path: Path) -> None:
    fake = tmp_path / "shadow" / "kfp"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError(\"No module named 'kfp' (simulated)\")\n")
    env = {**__import__("os").environ, "PYTHONPATH": str(tmp_path / "shadow")}
    out = tmp_path / "wf.yaml"
    proc = kfpc_cli("compile", "--py", str(SEED / "pipeline.py"), "-o", str(out), env=env)
    assert proc.returncode == 2 and "needs the kfp SDK" in proc.stderr and "simulated" in proc.stderr
    assert 'pip install "kfpc[kfp]"' in proc.stderr and "Traceback" not in proc.stderr
    assert not out.exists()
    assert kfpc_cli("compile", str(HELLO), env=env).returncode == 0  # IR never needs kfp


def test_a_python_file_given_as_ir_gets_a_hint(tmp_path: Path) -> None:
    proc = kfpc_cli("compile", str(SEED / "pipeline.py"))
    assert proc.returncode == 1 and "this is a Python file, not pipeline IR" in proc.stderr
    assert "kfpc compile --py" in proc.stderr and "kfp dsl compile" in proc.stderr
    renamed = tmp_path / "pipeline.txt"
    renamed.write_bytes((SEED / "pipeline.py").read_bytes())
    proc = kfpc_cli("compile", str(renamed))
    assert proc.returncode == 1 and "this looks like Python, not pipeline IR" in proc.stderr
    assert "kfpc compile --py" in proc.stderr


def test_py_output_is_not_mixed_with_what_the_file_prints(tmp_path: Path) -> None:
    pytest.importorskip("kfp")
    source = tmp_path / "noisy.py"
    source.write_text("from kfp import dsl\nprint('importing my pipeline')\n\n"
                      "@dsl.component(base_image='python:3.12')\ndef c() -> str:\n    return 'x'\n\n"
                      "@dsl.pipeline\ndef p(n: int = 1):\n    c()\n")
    proc = kfpc_cli("compile", "--py", str(source))
    assert proc.returncode == 0, proc.stderr
    assert yaml.safe_load(proc.stdout)["kind"] == "Workflow" and "importing my pipeline" in proc.stderr
    broken = tmp_path / "broken.py"
    broken.write_text("from kfp import dsl\nraise RuntimeError('no data')\n")
    proc = kfpc_cli("compile", "--py", str(broken))
    assert proc.returncode == 1 and "running" in proc.stderr and "RuntimeError: no data" in proc.stderr
    broken.write_text("def (:\n")
    proc = kfpc_cli("compile", "--py", str(broken))
    assert proc.returncode == 1 and f"{broken}:1:" in proc.stderr and "Python syntax error" in proc.stderr


def test_py_and_ir_together_or_function_alone_are_usage_errors() -> None:
    assert kfpc_cli("compile", str(HELLO), "--py", str(SEED / "pipeline.py")).returncode == 2
    proc = kfpc_cli("compile", str(HELLO), "--function", "x")
    assert proc.returncode == 2 and "--function" in proc.stderr
    proc = kfpc_cli("compile")
    assert proc.returncode == 2 and "no input" in proc.stderr


# ---------------------------------------------------------------------------------------------
# 2. library


def test_library_compile_takes_path_text_dict_and_function(tmp_path: Path) -> None:
    cli = kfpc_cli("compile", str(HELLO), "-b", "tekton", "--kind", "template", "-n", "ml", "-p", "message=hi",
                   "-O", "workspace-size=2Gi").stdout
    run = kfpc.RunOptions(kind="template", namespace="ml")
    common = {"backend": "tekton", "params": {"message": "hi"}, "run": run, "options": {"workspace-size": "2Gi"}}
    text = HELLO.read_text()
    for source in (str(HELLO), HELLO, text, yaml.safe_load(text)):
        assert kfpc.compile(source, **common).text() == cli
    assert kfpc.compile(HELLO, backend="tekton", params={"message": "hi"}, options={"workspace-size": "2Gi"},
                        run={"kind": "template", "namespace": "ml"}).text() == cli
    pytest.importorskip("kfp")
    func = load_pipeline("hello_container", "pipeline")
    assert kfpc.compile(func, **common).text() == cli
    assert kfpc.compile(str(GOLDEN / "hello_container" / "pipeline.py"), **common).text() == cli


def test_library_errors_and_old_entry_points() -> None:
    with pytest.raises(UsageError, match="no parameter 'nope'"):
        kfpc.compile(HELLO, params={"nope": 1})
    with pytest.raises(UsageError, match="not a duration"):
        kfpc.compile(HELLO, run={"timeout": "soon"})
    with pytest.raises(UsageError, match="cannot compile a int"):
        kfpc.compile(3)
    assert kfpc.compile_file(str(HELLO)).text() == kfpc.compile(HELLO).text()
    assert kfpc.compile_text(HELLO.read_text()).documents == kfpc.compile(HELLO).documents
    assert {"compile", "RunOptions", "Options", "Result", "KfpcError"} <= set(kfpc.__all__)
    assert issubclass(UsageError, KfpcError)


# ---------------------------------------------------------------------------------------------
# 3. parameters, warnings, --strict, --quiet, validate -b


def test_param_file_yaml_and_json_with_p_winning(tmp_path: Path) -> None:
    values = tmp_path / "params.yaml"
    values.write_text("raw_data_path: gs://b/from-file.csv\nn_estimators: 300\n")
    proc = kfpc_cli("compile", str(SEED / "pipeline.yaml"), "--param-file", str(values), "-p", "n_estimators=50")
    assert proc.returncode == 0 and proc.stderr == "", proc.stderr
    args = {p["name"]: p.get("value") for p in yaml.safe_load(proc.stdout)["spec"]["arguments"]["parameters"]}
    assert args["raw_data_path"] == "gs://b/from-file.csv" and args["n_estimators"] == "50"
    as_json = tmp_path / "params.json"
    as_json.write_text(json.dumps({"raw_data_path": "gs://b/j.csv", "n_estimators": 7}))
    proc = kfpc_cli("compile", str(SEED / "pipeline.yaml"), "-b", "tekton", "--param-file", str(as_json))
    params = {p["name"]: p.get("default") for p in yaml.safe_load(proc.stdout)["spec"]["pipelineSpec"]["params"]}
    assert params["raw_data_path"] == "gs://b/j.csv" and params["n_estimators"] == "7"  # Tekton params are strings
    as_json.write_text(json.dumps({"n_estimators": "many"}))
    proc = kfpc_cli("compile", str(SEED / "pipeline.yaml"), "--param-file", str(as_json))
    assert proc.returncode == 2 and f"{as_json}:1: error[KFPC500]: n_estimators:" in proc.stderr
    as_json.write_text("[1, 2]")
    proc = kfpc_cli("compile", str(SEED / "pipeline.yaml"), "--param-file", str(as_json))
    assert proc.returncode == 2 and "expected one mapping" in proc.stderr


@pytest.mark.parametrize("backend", ["argo", "tekton"])
def test_required_parameter_without_value_warns_and_strict_fails(backend: str, tmp_path: Path) -> None:
    proc = kfpc_cli("compile", str(SEED / "pipeline.yaml"), "-b", backend)
    assert proc.returncode == 0 and f"warning: {REQUIRED}" in proc.stderr and "-p raw_data_path=" in proc.stderr
    quiet = kfpc_cli("compile", str(SEED / "pipeline.yaml"), "-b", backend, "--quiet")
    assert quiet.returncode == 0 and quiet.stderr == "" and quiet.stdout == proc.stdout
    out = tmp_path / "out.yaml"
    strict = kfpc_cli("compile", str(SEED / "pipeline.yaml"), "-b", backend, "--strict", "-o", str(out))
    assert strict.returncode == 1 and f"error[KFPC500]: {REQUIRED}" in strict.stderr and not out.exists()
    given = kfpc_cli("compile", str(SEED / "pipeline.yaml"), "-b", backend, "--strict", "-p", "raw_data_path=x")
    assert given.returncode == 0 and given.stderr == ""


def test_validate_strict_quiet_and_backend(tmp_path: Path) -> None:
    proc = kfpc_cli("validate", str(SEED / "pipeline.yaml"))
    assert proc.returncode == 0 and REQUIRED in proc.stderr
    assert kfpc_cli("validate", str(SEED / "pipeline.yaml"), "--quiet").stderr == ""
    proc = kfpc_cli("validate", str(SEED / "pipeline.yaml"), str(HELLO), "--strict")
    assert proc.returncode == 1 and f"{HELLO}: ok" in proc.stdout and "seed" not in proc.stdout
    # what only the backend sees shows up only with -b
    (tmp_path / "kfpc.yaml").write_text("ttl: 60\n")
    assert kfpc_cli("validate", str(HELLO), cwd=tmp_path).stderr == ""
    proc = kfpc_cli("validate", str(HELLO), "-b", "tekton", cwd=tmp_path)
    assert proc.returncode == 0 and "Tekton has no time-to-live" in proc.stderr and "ok (tekton)" in proc.stdout
    assert kfpc_cli("validate", str(HELLO), "-b", "tekton", "--strict", cwd=tmp_path).returncode == 1
    proc = kfpc_cli("validate", str(HELLO), "-b", "tekton", "-O", "workspace-size=lots")
    assert proc.returncode == 2 and "is not a quantity" in proc.stderr
    assert kfpc_cli("validate", str(HELLO), "-O", "workspace-size=lots").returncode == 0  # IR only: not looked at


# ---------------------------------------------------------------------------------------------
# 4. formats, List, durations, -n


def test_output_format_follows_the_extension(tmp_path: Path) -> None:
    assert kfpc_cli("compile", str(HELLO), "-o", str(tmp_path / "wf.json")).returncode == 0
    assert json.loads((tmp_path / "wf.json").read_text())["kind"] == "Workflow"
    assert kfpc_cli("compile", str(HELLO), "-o", str(tmp_path / "wf.json"), "--format", "yaml").returncode == 0
    assert (tmp_path / "wf.json").read_text().startswith("apiVersion: argoproj.io/v1alpha1\n")
    assert kfpc_cli("compile", str(HELLO), "-o", str(tmp_path / "wf.yml")).returncode == 0
    assert (tmp_path / "wf.yml").read_text().startswith("apiVersion:")


def test_json_with_several_documents_is_a_kubectl_list(tmp_path: Path) -> None:
    proc = kfpc_cli("compile", str(HELLO), "-b", "tekton", "--kind", "template", "--format", "json")
    listed = json.loads(proc.stdout)
    assert listed["apiVersion"] == "v1" and listed["kind"] == "List"
    assert [d["kind"] for d in listed["items"]] == ["Pipeline", "PipelineRun"]
    copy = tmp_path / "p2.yaml"
    copy.write_bytes(HELLO.read_bytes())
    proc = kfpc_cli("compile", str(HELLO), str(copy), "-o", str(tmp_path / "both.json"))
    assert proc.returncode == 0, proc.stderr
    both = json.loads((tmp_path / "both.json").read_text())
    assert both["kind"] == "List" and [d["kind"] for d in both["items"]] == ["Workflow", "Workflow"]


def test_durations_read_the_same_everywhere(tmp_path: Path) -> None:
    (wf,) = yaml.safe_load_all(kfpc_cli("compile", str(HELLO), "--ttl", "24h", "--timeout", "90",
                                        "--pipeline-timeout", "1h30m", "-n", "ml").stdout)
    assert wf["spec"]["ttlStrategy"] == {"secondsAfterCompletion": 86400}
    assert wf["spec"]["activeDeadlineSeconds"] == 5400 and wf["metadata"]["namespace"] == "ml"
    assert {t.get("timeout") for t in wf["spec"]["templates"] if "container" in t} == {"90s"}
    (wf,) = yaml.safe_load_all(kfpc_cli("compile", str(HELLO), "--ttl", "3600").stdout)
    assert wf["spec"]["ttlStrategy"] == {"secondsAfterCompletion": 3600}
    (tmp_path / "kfpc.yaml").write_text("ttl: 2h\ntimeout: 120\n")
    (wf,) = yaml.safe_load_all(kfpc_cli("compile", str(HELLO), cwd=tmp_path).stdout)
    assert wf["spec"]["ttlStrategy"] == {"secondsAfterCompletion": 7200}
    assert {t.get("timeout") for t in wf["spec"]["templates"] if "container" in t} == {"120s"}
    proc = kfpc_cli("compile", str(HELLO), "--ttl", "1d")
    assert proc.returncode == 2 and "--ttl '1d' is not a duration" in proc.stderr


def test_one_duration_parser() -> None:
    assert run_options.duration("90", "--x") == "90s" and run_options.duration(90, "--x") == "90s"
    assert run_options.duration("1h30m", "--x") == "1h30m"
    assert run_options.duration_seconds("24h", "--ttl") == 86400 and run_options.duration_seconds(5, "--ttl") == 5
    assert run_options.duration_seconds("1500ms", "--x") == 2
    for bad in ("soon", "-5", "1d", True, -1, "1 h"):
        with pytest.raises(UsageError):
            run_options.duration(bad, "--x")
    assert kfpc.RunOptions().with_values(ttl_seconds="1h", timeout=30).ttl_seconds == 3600


# ---------------------------------------------------------------------------------------------
# 5. Tekton template with --output-dir


def test_tekton_template_writes_pipeline_and_run_apart(tmp_path: Path) -> None:
    out = tmp_path / "out"
    proc = kfpc_cli("compile", str(HELLO), "-b", "tekton", "--kind", "template", "--output-dir", str(out))
    assert proc.returncode == 0, proc.stderr
    assert sorted(p.name for p in out.iterdir()) == ["pipeline.pipeline.yaml", "pipeline.pipelinerun.yaml"]
    (definition,) = yaml.safe_load_all((out / "pipeline.pipeline.yaml").read_text())
    (run,) = yaml.safe_load_all((out / "pipeline.pipelinerun.yaml").read_text())
    assert definition["kind"] == "Pipeline" and run["kind"] == "PipelineRun"
    assert run["spec"]["pipelineRef"]["name"] == definition["metadata"]["name"]
    single = tmp_path / "single"
    assert kfpc_cli("compile", str(HELLO), "-b", "tekton", "--output-dir", str(single)).returncode == 0
    assert [p.name for p in single.iterdir()] == ["pipeline.yaml"]  # a run alone stays one file


# ---------------------------------------------------------------------------------------------
# 6. configuration discovery and errors


def test_config_is_found_from_each_inputs_folder_upward(tmp_path: Path) -> None:
    for team in ("alpha", "beta"):
        (tmp_path / team / "pipelines" / "deep").mkdir(parents=True)
        (tmp_path / team / "pipelines" / "deep" / f"{team}.yaml").write_bytes(HELLO.read_bytes())
    (tmp_path / "alpha" / "pyproject.toml").write_text('[project]\nname = "a"\n[tool.kfpc]\nnamespace = "alpha"\n')
    (tmp_path / "beta" / "kfpc.yaml").write_text("namespace: beta\nbackend: tekton\n")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    proc = kfpc_cli("compile", str(tmp_path / "alpha/pipelines/deep/alpha.yaml"),
                    str(tmp_path / "beta/pipelines/deep/beta.yaml"), "--output-dir", str(tmp_path / "out"),
                    cwd=elsewhere)
    assert proc.returncode == 0, proc.stderr
    (a,) = yaml.safe_load_all((tmp_path / "out" / "alpha.yaml").read_text())
    (b,) = yaml.safe_load_all((tmp_path / "out" / "beta.yaml").read_text())
    assert (a["kind"], a["metadata"]["namespace"]) == ("Workflow", "alpha")
    assert (b["kind"], b["metadata"]["namespace"]) == ("PipelineRun", "beta")


def test_both_config_files_at_one_level_says_which_is_used(tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text('[tool.kfpc]\nnamespace = "from-toml"\n')
    (tmp_path / "kfpc.yaml").write_text("namespace: from-yaml\n")
    (tmp_path / "p.yaml").write_bytes(HELLO.read_bytes())
    proc = kfpc_cli("compile", str(tmp_path / "p.yaml"))
    assert yaml.safe_load(proc.stdout)["metadata"]["namespace"] == "from-yaml"
    assert f"note: {tmp_path / 'kfpc.yaml'} is used; [tool.kfpc] in {tmp_path / 'pyproject.toml'}" in proc.stderr
    assert "note:" not in kfpc_cli("compile", str(tmp_path / "p.yaml"), "--quiet").stderr


@pytest.mark.parametrize("name,text,where,message", [
    ("pyproject.toml", '[project]\nname = "x"\n\n[tool.kfpc]\nbackend = "argo"\nnamespace = "Bad_NS"\n', ":6:",
     "namespace 'Bad_NS' is not a valid Kubernetes name"),
    ("pyproject.toml", '[tool.kfpc]\nbackend = "argoo"\n', ":2:", "backend: unknown backend 'argoo'"),
    ("pyproject.toml", '[tool.kfpc]\n\n[tool.kfpc.options]\nworkspace-size = "lots"\n', ":4:",
     "options.workspace-size: -O workspace-size='lots' is not a quantity"),
    ("kfpc.yaml", "backend: tekton\nparams:\n  message: 3\n", ":3:", "params.message: parameter 'message'"),
    ("kfpc.yaml", "labels:\n  team: a b\n", ":2:", "labels.team: --label value 'a b'"),
    ("kfpc.yaml", "kind: run\ntimeout: [1]\n", ":2:", "timeout: must be an integer or a string, not list"),
])
def test_config_errors_name_the_file_line_and_key(name, text, where, message, tmp_path: Path) -> None:
    (tmp_path / name).write_text(text)
    (tmp_path / "p.yaml").write_bytes(HELLO.read_bytes())
    extra = ["-b", "tekton"] if "workspace" in text else []
    proc = kfpc_cli("compile", str(tmp_path / "p.yaml"), *extra)
    assert proc.returncode == 2, proc.stderr
    assert f"{tmp_path / name}{where} error[KFPC500]: {message}" in proc.stderr, proc.stderr
    # the same value on the command line is blamed on the flag, not on the file
    if "Bad_NS" in text:
        proc = kfpc_cli("compile", str(tmp_path / "p.yaml"), "-n", "ok")
        assert proc.returncode == 0, proc.stderr


# ---------------------------------------------------------------------------------------------
# 7. pictures


def test_graph_draws_tasks_subgraphs_conditions_loops_and_edges(tmp_path: Path) -> None:
    proc = kfpc_cli("graph", str(GOLDEN / "conditions" / "pipeline.yaml"))
    assert proc.returncode == 0, proc.stderr
    text = proc.stdout
    assert text.splitlines()[1] == "flowchart TD"
    assert 'subgraph t_condition_8["mode-is-fast: if mode == \'fast\'"]' in text
    assert 't_flip_coin -->|"Output"| t_condition_branches_1' in text
    assert "#62; 5" in text  # `>` as Mermaid's entity code
    loops = kfpc_cli("graph", str(GOLDEN / "loops" / "pipeline.yaml")).stdout
    assert "from-task-output: for each item in make-list.Output, 2 at a time" in loops
    exit_handler = kfpc_cli("graph", str(GOLDEN / "exit_handler" / "pipeline.yaml"), "--format", "dot").stdout
    assert exit_handler.startswith('digraph "exit-handler" {') and "compound=true;" in exit_handler
    assert '"t_exit_handler_1" -> "t_report_status" [label="always", style=dashed, ltail=' in exit_handler
    assert '"t_exit_handler_1_step" -> "t_exit_handler_1_maybe_fail" [style=dashed];' in exit_handler
    out = tmp_path / "g.mmd"
    assert kfpc_cli("graph", str(SEED / "pipeline.yaml"), "-o", str(out)).returncode == 0
    assert out.read_text() == kfpc_cli("graph", str(SEED / "pipeline.yaml")).stdout
    proc = kfpc_cli("graph", str(HELLO), str(HELLO))
    assert proc.returncode == 2 and "one pipeline at a time" in proc.stderr


def test_graph_of_every_golden_is_well_formed() -> None:
    from kfpc import draw

    for ir in sorted(GOLDEN.glob("*/pipeline.yaml")):
        plan, _ = compiler.load_plan(str(ir))
        mermaid = draw.draw(plan, "mermaid")
        opened = sum(line.strip().startswith("subgraph ") for line in mermaid.splitlines())
        assert opened == sum(line.strip() == "end" for line in mermaid.splitlines()), ir
        dot = draw.draw(plan, "dot").splitlines()
        assert sum(line.endswith("{") for line in dot) == sum(line.strip() == "}" for line in dot), ir
        leaves = [line for line in mermaid.splitlines() if re.match(r'^\s+t_\w+(\["|\[/"|\[\(")', line)]
        assert len(leaves) == _leaf_tasks(plan, plan.root_dag), ir


def _leaf_tasks(plan, dag) -> int:
    total = 0
    for task in dag.tasks:
        component = plan.component(task.component)
        total += _leaf_tasks(plan, component) if component.kind == "dag" else 1
    return total


def test_readme_shows_the_ml_pipeline_as_kfpc_graph_draws_it() -> None:
    readme = (Path(__file__).parent.parent / "README.md").read_text()
    drawn = kfpc_cli("graph", str(SEED / "pipeline.yaml")).stdout
    assert f"```mermaid\n{drawn}```\n" in readme, "regenerate: kfpc graph golden/seed_ml_pipeline/pipeline.yaml"


# ---------------------------------------------------------------------------------------------
# 8. dependencies


def test_compiling_imports_no_optional_dependency() -> None:
    code = ("import sys, kfpc; kfpc.compile(sys.argv[1]).text(); kfpc.compile(sys.argv[1], backend='tekton').text();"
            "print(sorted(m for m in ('jinja2', 'hera', 'pydantic', 'kfp') if m in sys.modules))")
    proc = subprocess.run([sys.executable, "-c", code, str(HELLO)], capture_output=True, text=True, check=False)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "[]"


def test_dependencies_each_have_a_role() -> None:
    try:
        import tomllib
    except ImportError:  # Python 3.10
        import tomli as tomllib
    project = tomllib.loads((Path(__file__).parent.parent / "pyproject.toml").read_text())["project"]
    required = {d.split(">")[0].split("=")[0].split(";")[0].strip() for d in project["dependencies"]}
    assert required == {"pyyaml", "jsonschema", "networkx", "tomli"}
    extras = project["optional-dependencies"]
    assert any(d.startswith("kfp>") for d in extras["kfp"]) and any(d.startswith("hera") for d in extras["hera"])
    assert any(d.startswith("jinja2") for d in extras["dev"])


def test_to_hera_gives_typed_argo_objects() -> None:
    pytest.importorskip("hera")
    result = kfpc.compile(SEED / "pipeline.yaml", params={"raw_data_path": "gs://b/d.csv"},
                          run=kfpc.RunOptions(kind="template", name="training"))
    (template,) = result.to_hera()
    from hera.workflows.models import WorkflowTemplate

    assert isinstance(template, WorkflowTemplate) and template.metadata.name == "training"
    assert {t.name for t in template.spec.templates} >= {"root"}
    dumped = template.model_dump(by_alias=True, exclude_none=True) if hasattr(template, "model_dump") \
        else template.dict(by_alias=True, exclude_none=True)
    assert dumped == result.documents[0]
    with pytest.raises(UsageError, match="not an Argo Workflows object"):
        kfpc.compile(HELLO, backend="tekton").to_hera()


def test_to_hera_without_hera_says_which_extra(tmp_path: Path) -> None:
    fake = tmp_path / "shadow" / "hera"
    fake.mkdir(parents=True)
    (fake / "__init__.py").write_text("raise ImportError(\"No module named 'hera' (simulated)\")\n")
    code = ("import sys, kfpc\ntry:\n    kfpc.compile(sys.argv[1]).to_hera()\nexcept kfpc.KfpcError as e:\n"
            "    print(e)")
    env = {**__import__("os").environ, "PYTHONPATH": str(tmp_path / "shadow")}
    proc = subprocess.run([sys.executable, "-c", code, str(HELLO)], capture_output=True, text=True, env=env,
                          check=False)
    assert "typed Argo objects need hera" in proc.stdout and 'pip install "kfpc[hera]"' in proc.stdout
