"""The `kfpc` command line: compile, validate, backends.

Exit status: 0 success, 1 invalid or unsupported input (message on stderr naming the file; nothing
written), 2 usage. All inputs are compiled before anything is written, and files are replaced
atomically, so a failed run never leaves half an output behind.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator, Sequence

from kfpc import output
from kfpc.errors import KfpcError, UsageError
from kfpc.run_options import FAILURE_POLICIES, KINDS, POD_GC, PULL_POLICIES

_EXT = {"yaml": ".yaml", "json": ".json"}


def _parser() -> argparse.ArgumentParser:
    from kfpc import __version__

    parser = argparse.ArgumentParser(prog="kfpc", description="Compile Kubeflow Pipelines IR into standalone "
                                     "workflow-engine manifests.")
    parser.add_argument("--version", action="version", version=f"kfpc {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True
    _compile_command(sub)
    _validate_command(sub)
    sub.add_parser("backends", help="list installed backends")
    _graph_command(sub)
    _setup_command(sub)
    return parser


def _compile_command(sub: Any) -> None:
    comp = sub.add_parser("compile", help="compile IR files into manifests",
                          description="Compile pipeline IR (YAML or JSON, `-` for stdin) into engine manifests.")
    _add_sources(comp)
    comp.add_argument("-b", "--backend", help="target engine (default: argo; see `kfpc backends`)")
    where = comp.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="FILE", help="write to FILE; - is standard output (the default)")
    where.add_argument("--output-dir", metavar="DIR", help="write one file per input, named after the input")
    comp.add_argument("--format", choices=sorted(_EXT), help="output format (default: from the -o file's "
                      "extension, else yaml)")
    comp.add_argument("--pipeline-root", metavar="URI", help="value of {{$.pipeline_root}} (default: the IR's)")
    _add_values(comp)
    _run_arguments(comp)
    _scale_arguments(comp)


def _run_arguments(comp: argparse.ArgumentParser) -> None:
    """Engine-neutral run options (run_options.py), which a config file may also set."""
    run = comp.add_argument_group("how the pipeline runs")
    run.add_argument("--kind", choices=KINDS, help="run: one run (default); template: a reusable definition "
                     "(Argo WorkflowTemplate, Tekton Pipeline + PipelineRun); cron: runs on --schedule")
    run.add_argument("--name", help="a fixed object name (default: generated from the pipeline's name)")
    run.add_argument("-n", "--namespace", help="namespace of the objects")
    run.add_argument("--service-account", help="service account the pods run as")
    run.add_argument("--label", action="append", default=[], metavar="KEY=VALUE", help="label, repeatable")
    run.add_argument("--annotation", action="append", default=[], metavar="KEY=VALUE", help="annotation, repeatable")
    run.add_argument("--schedule", metavar="CRON", help="cron schedule, e.g. '0 2 * * *' (with --kind cron)")
    run.add_argument("--timezone", metavar="TZ", help="IANA time zone of the schedule (default: the engine's)")
    run.add_argument("--max-concurrency", type=int, metavar="N", help="scheduled runs at once (1: never overlap)")
    run.add_argument("--ttl", metavar="DURATION", help="delete a run this long after it finished, e.g. 24h "
                     "(a bare number is seconds)")
    run.add_argument("--pod-gc", choices=POD_GC, help="Argo pod garbage collection strategy")
    run.add_argument("--image-pull-policy", choices=PULL_POLICIES, help="default image pull policy")
    run.add_argument("--timeout", metavar="DURATION", help="default per-task timeout, e.g. 2h (default: none)")
    run.add_argument("--pipeline-timeout", metavar="DURATION", help="deadline of the whole run (default: none)")
    run.add_argument("--artifact-repository", metavar="CONFIGMAP[:KEY]", help="Argo artifact repository to use")
    caching = run.add_mutually_exclusive_group()
    caching.add_argument("--enable-caching", dest="caching", action="store_true", default=None,
                         help="Argo: memoize the tasks the pipeline caches (needs `kfpc setup argo` applied once)")
    caching.add_argument("--disable-caching", dest="caching", action="store_false", default=None,
                         help="run every task (the default; overrides `caching = true` in the config file)")


def _scale_arguments(comp: argparse.ArgumentParser) -> None:
    scale = comp.add_argument_group("failures and concurrency")
    scale.add_argument("--failure-policy", choices=FAILURE_POLICIES,
                       help="fast (default, as KFP): a failed task ends its DAG as soon as nothing of it runs; "
                       "slow: every task that does not need the failed one still runs, then the run fails (Argo)")
    scale.add_argument("--parallelism", type=int, metavar="N", help="at most N pods of one run at once (Argo)")
    scale.add_argument("--run-semaphore", metavar="CONFIGMAP:KEY", help="runs holding this semaphore run at most "
                       "as many at once as the ConfigMap's key says, across runs and pipelines (Argo)")


def _validate_command(sub: Any) -> None:
    val = sub.add_parser("validate", help="check IR files (with -b: and that the backend compiles them)")
    _add_sources(val)
    val.add_argument("-b", "--backend", help="also compile with this backend, writing nothing, so what its "
                     "engine cannot express shows up (default: the IR checks only)")
    _add_values(val)


def _graph_command(sub: Any) -> None:
    draw = sub.add_parser("graph", help="draw a pipeline as a Mermaid or Graphviz diagram",
                          description="Draw the tasks of a pipeline, its sub-pipelines, conditions and loops, "
                          "and the data and ordering edges between them.")
    draw.add_argument("inputs", nargs="*", metavar="IR", help="IR file, or - for stdin")
    draw.add_argument("--py", metavar="FILE", help="a Python file defining the pipeline (needs kfpc[kfp])")
    draw.add_argument("--function", metavar="NAME", help="with --py: which pipeline function to draw")
    draw.add_argument("--format", choices=("mermaid", "dot"), default="mermaid",
                      help="mermaid (default; GitHub and most wikis render it) or dot (Graphviz)")
    draw.add_argument("-o", "--output", metavar="FILE", help="write to FILE; - is standard output (the default)")


def _setup_command(sub: Any) -> None:
    setup = sub.add_parser("setup", help="print the one-time cluster objects a backend's manifests need",
                           description="Print, for review and `kubectl apply`, the RBAC and ConfigMaps kfpc's "
                           "manifests rely on. Nothing is applied.")
    setup.add_argument("engine", metavar="BACKEND", help="the backend whose cluster objects to print, e.g. argo")
    setup.add_argument("-n", "--namespace", default="default", help="namespace the workflows run in (default: default)")
    setup.add_argument("--service-account", default="default", help="service account of the workflow pods")
    setup.add_argument("--controller-namespace", default="argo", help="namespace of the Argo controller")
    setup.add_argument("--controller-service-account", default="argo", help="service account of the controller")
    setup.add_argument("--run-semaphore", action="append", default=[], metavar="CONFIGMAP:KEY=LIMIT",
                       help="also the ConfigMap behind `compile --run-semaphore CONFIGMAP:KEY`, allowing LIMIT runs "
                       "at once (repeatable)")


def _add_sources(command: argparse.ArgumentParser) -> None:
    """Where pipelines come from: IR files, or a Python file compiled by the kfp SDK first."""
    command.add_argument("inputs", nargs="*", metavar="IR", help="IR file compiled by the kfp SDK, or - for stdin")
    command.add_argument("--py", metavar="FILE", help="compile the @dsl.pipeline function in a Python file, as "
                         "`kfp dsl compile --py` would, then this IR (needs the kfp SDK: kfpc[kfp])")
    command.add_argument("--function", metavar="NAME", help="with --py: the pipeline function to compile, when "
                         "the file defines several")


def _add_values(command: argparse.ArgumentParser) -> None:
    """What compile and validate share: parameter values, backend options, settings, how warnings count."""
    command.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                         help="a pipeline parameter's value, typed by the IR (becomes its default), repeatable")
    command.add_argument("--param-file", metavar="FILE", help="parameter values from a YAML or JSON mapping, as "
                         "`argo submit --parameter-file` (-p wins)")
    command.add_argument("-O", "--option", action="append", default=[], metavar="NAME=VALUE",
                         help="a backend option, repeatable (see `kfpc backends`)")
    command.add_argument("--config", metavar="FILE", help="settings file (default: kfpc.yaml or [tool.kfpc] in "
                         "pyproject.toml, looked for from each input's folder upward)")
    noise = command.add_mutually_exclusive_group()
    noise.add_argument("--strict", action="store_true", default=None,
                       help="treat warnings as errors (exit 1, nothing written), e.g. in CI")
    noise.add_argument("--quiet", action="store_true", default=None, help="do not print warnings")


def main(argv: Sequence[str] | None = None) -> int:
    if sys.stderr is None:  # started with stderr closed: messages must not fall back into the manifest
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - lives as long as the process
    parser = _parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # argparse exits 2 on usage errors, 0 for --help/--version
        return int(exc.code or 0)
    try:
        return _run(args)
    except KfpcError as exc:
        _print_error(exc)
        if isinstance(exc, output.ReaderGone):
            _silence_stdout()
        return exc.exit_status
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:  # a reader that went away while we printed a listing
        _silence_stdout()
        return 1
    except Exception as exc:  # a bug in kfpc must still not greet the user with a traceback
        if os.environ.get("KFPC_DEBUG"):
            raise
        print(f"kfpc: internal error[KFPC700]: {type(exc).__name__}: {exc}\n"
              "  hint: this is a bug in kfpc; rerun with KFPC_DEBUG=1 for the traceback and report it",
              file=sys.stderr)
        return 1
    except BaseException as exc:
        status = output.termination_status(exc)
        if status is None:
            raise
        return status


def _run(args: argparse.Namespace) -> int:
    if args.command == "compile":
        return _compile(args)
    if args.command == "validate":
        return _validate(args)
    if args.command == "graph":
        return _graph(args)
    if args.command == "setup":
        return _setup(args)
    return _backends()


def _silence_stdout() -> None:
    """After the reader of standard output has gone, the interpreter's final flush must not complain."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError, AttributeError):
        pass


def _print_error(exc: KfpcError) -> None:
    for diag in exc.diagnostics:
        print(diag.render(), file=sys.stderr)


@dataclass
class _Job:
    """One input with the settings that apply to it: its own config file's, then the flags'."""

    source: str  # the path as given (`-` for standard input), or the --py file
    args: argparse.Namespace
    blame: list[tuple[Any, str, tuple[str, ...]]]  # (config, key, words a message about that key holds)
    engine: Any = None
    options: Any = None


def _compile(args: argparse.Namespace) -> int:
    from kfpc import compiler

    jobs = _jobs(args)
    fmt = _format(args, jobs[0].args)
    targets = _targets(args, jobs, fmt)
    strict, quiet = _noise(args, jobs)
    results, failed = [], False
    for job in jobs:
        try:
            with _blamed(job):
                plan, warnings = _load(job)
                rendered = compiler.compile_plan(plan, job.engine, job.options)
            results.append(compiler.Result(tuple(rendered.documents), tuple(warnings) + tuple(rendered.warnings)))
        except UsageError:
            raise
        except KfpcError as exc:
            _print_error(_named(exc, job.source))
            failed = True
    if failed:
        return 1
    if not _report([w for r in results for w in r.warnings], strict, quiet):
        return 1
    files = _split(results, targets, fmt) if targets else []
    _refuse_overwriting_inputs([job.source for job in jobs], [str(path) for path, _ in files] or [args.output or "-"])
    if files:
        output.write_files([(str(target), text) for target, text in files])
    elif fmt == "json":
        output.write(args.output or output.STDOUT, compiler.Result([d for r in results for d in r.documents]).text(fmt))
    else:
        output.write(args.output or output.STDOUT, _join([r.text(fmt) for r in results]))
    return 0


def _refuse_overwriting_inputs(inputs: Sequence[str], targets: Sequence[str]) -> None:
    """Replacing the IR with its manifest loses the pipeline; compilers refuse that (as gcc does)."""
    for target in targets:
        for path in inputs:
            if path != "-" and target != "-" and output.same_file(path, target):
                raise UsageError(f"the output {target} is the input {path}; write the manifest elsewhere")


def _validate(args: argparse.Namespace) -> int:
    from kfpc import compiler
    from kfpc.plan import arguments

    jobs = _jobs(args, with_backend=args.backend is not None)
    strict, quiet = _noise(args, jobs)
    failed = False
    for job in jobs:
        try:
            with _blamed(job):
                plan, warnings = _load(job)
                if job.engine is not None:
                    warnings += list(compiler.compile_plan(plan, job.engine, job.options).warnings)
                else:
                    warnings += compiler.missing_parameters(arguments.apply(plan, job.args.params))
        except UsageError:
            raise
        except KfpcError as exc:
            _print_error(_named(exc, job.source))
            failed = True
            continue
        if not _report(warnings, strict, quiet):
            failed = True
            continue
        print(f"{job.source}: ok" + (f" ({job.args.backend})" if job.engine is not None else ""))
    return 1 if failed else 0


def _graph(args: argparse.Namespace) -> int:
    from kfpc import draw

    output.check_target(args.output, "-o/--output")
    sources = _sources(args)
    if len(sources) != 1:
        raise UsageError("kfpc graph draws one pipeline at a time")
    job = _Job(sources[0], args, [])
    try:
        plan, _ = _load(job)
    except UsageError:
        raise
    except KfpcError as exc:
        _print_error(_named(exc, job.source))
        return 1
    output.write(args.output or output.STDOUT, draw.draw(plan, args.format))
    return 0


def _load(job: _Job) -> tuple[Any, list[str]]:
    """The plan of one input; a --py file is first compiled to IR by the kfp SDK."""
    from kfpc import compiler

    if job.args.py is not None:
        from kfpc import pysource

        return compiler.load_text(pysource.ir_of_file(job.source, job.args.function), job.source)
    return compiler.load_plan(job.source)


def _named(exc: KfpcError, source: str) -> KfpcError:
    exc = exc.with_file(source if source != "-" else "<stdin>") if not exc.diagnostics[0].file else exc
    return _placed(exc, source)


def _placed(exc: KfpcError, source: str) -> KfpcError:
    """Line and column for errors a backend raised knowing only the IR path (read again: errors only)."""
    if source == "-" or source.endswith(".py") or not any(d.path and d.line is None for d in exc.diagnostics):
        return exc
    from kfpc.ir import load as ir_load

    try:
        return ir_load.load(source).place(exc)
    except KfpcError:
        return exc


def _report(warnings: list[str], strict: bool, quiet: bool) -> bool:
    """Print the warnings; under --strict they are errors and the run fails (nothing is written)."""
    for warning in warnings:
        if strict:
            print(f"kfpc: error[KFPC500]: {warning}\n  hint: --strict treats warnings as errors", file=sys.stderr)
        elif not quiet:
            print(f"warning: {warning}", file=sys.stderr)
    return not (strict and warnings)


def _noise(args: argparse.Namespace, jobs: list[_Job]) -> tuple[bool, bool]:
    strict = bool(args.strict) or (args.quiet is None and any(j.args.config_strict for j in jobs))
    quiet = not strict and (bool(args.quiet) or any(j.args.config_quiet for j in jobs))
    notes = sorted({note for j in jobs for note in j.args.config_notes})
    for note in notes if not quiet else ():
        print(f"note: {note}", file=sys.stderr)
    return strict, quiet


def _sources(args: argparse.Namespace) -> list[str]:
    if args.py is not None:
        if args.inputs:
            raise UsageError("give IR files or --py FILE, not both")
        return [args.py]
    if args.function is not None:
        raise UsageError("--function picks a pipeline in a Python file given with --py")
    if not args.inputs:
        raise UsageError("no input: give an IR file (- for standard input), or --py FILE for a Python pipeline")
    if args.inputs.count("-") > 1:
        raise UsageError("standard input (-) can be read only once")
    return list(args.inputs)


def _jobs(args: argparse.Namespace, with_backend: bool = True) -> list[_Job]:
    """Every input with its settings, checked (backend name, options, run options) before anything is read."""
    from kfpc import config, registry
    from kfpc.backend import Options, settings

    from_file = _param_file(args.param_file) if args.param_file else None
    jobs = []
    for source in _sources(args):
        found = config.for_input(args.config, source)
        job = _Job(source, copy.copy(args), [])
        _apply_config(job, found, from_file)
        if with_backend:
            with _blamed(job):
                job.engine = registry.load(job.args.backend)  # fail fast on a bad backend name or option
                job.options = Options(pipeline_root=job.args.pipeline_root, extra=tuple(job.args.options.items()),
                                      run=_run_options(job.args), params=tuple(job.args.params.items()))
                settings(job.engine, job.options)
        jobs.append(job)
    return jobs


@contextlib.contextmanager
def _blamed(job: _Job) -> Iterator[None]:
    """A usage error about a value that came from a config or parameter file names that file, line and key."""
    try:
        yield
    except UsageError as exc:
        message = exc.diagnostics[0].message
        for where, key, words in job.blame:
            if any(re.search(word, message) for word in words):
                raise where.error(key, message, hint=exc.diagnostics[0].hint) from None
        raise
    except KfpcError as exc:
        if exc.code == "KFPC600":  # unknown backend
            for where, key, _ in job.blame:
                if key == "backend":
                    raise where.error(key, exc.diagnostics[0].message, hint=exc.diagnostics[0].hint) from None
        raise


def _format(args: argparse.Namespace, settings: argparse.Namespace) -> str:
    """--format, else what the -o file's extension says, else the config's, else YAML."""
    if args.format is not None:
        return args.format
    suffix = Path(args.output).suffix.lower() if args.output and args.output != output.STDOUT else ""
    by_extension = {".json": "json", ".yaml": "yaml", ".yml": "yaml"}.get(suffix)
    fmt = by_extension or settings.config_format or "yaml"
    if fmt not in _EXT:
        raise UsageError(f"format must be one of {', '.join(sorted(_EXT))}, not {fmt!r}")
    return fmt


def _targets(args: argparse.Namespace, jobs: list[_Job], fmt: str) -> list[Path]:
    output.check_target(args.output, "-o/--output")
    output.check_target(args.output_dir, "--output-dir")
    if not args.output_dir:
        return []
    seen: dict[str, str] = {}
    targets = []
    for job in jobs:
        stem = "stdin" if job.source == "-" else Path(job.source).stem
        if stem in seen:
            raise UsageError(f"inputs {seen[stem]!r} and {job.source!r} would both be written to "
                             f"{stem}{_EXT[fmt]} in {args.output_dir}; rename one or compile them separately")
        seen[stem] = job.source
        targets.append(Path(args.output_dir) / f"{stem}{_EXT[fmt]}")
    if Path(args.output_dir).exists() and not Path(args.output_dir).is_dir():
        raise UsageError(f"--output-dir {args.output_dir!r} exists and is not a directory")
    return targets


_RUNS = ("PipelineRun", "Workflow")  # objects to `kubectl create` (one per run), beside definitions to `apply`


def _split(results: list[Any], targets: list[Path], fmt: str) -> list[tuple[Path, str]]:
    """One file per input; a run beside the definition it runs (Tekton's Pipeline + PipelineRun) gets a
    file of its own, one file per kind, since the definition is applied and each run created."""
    from kfpc import compiler

    files = []
    for result, target in zip(results, targets):
        kinds = list(dict.fromkeys(str(d.get("kind")) for d in result.documents))
        if len(kinds) < 2 or not any(k in _RUNS for k in kinds):
            files.append((target, result.text(fmt)))
            continue
        for kind in kinds:
            documents = [d for d in result.documents if d.get("kind") == kind]
            files.append((target.with_name(f"{target.stem}.{kind.lower()}{target.suffix}"),
                          compiler.Result(documents).text(fmt)))
    names = [str(path) for path, _ in files]
    clash = next((name for name in names if names.count(name) > 1), None)
    if clash is not None:
        raise UsageError(f"two outputs would both be written to {clash}; rename an input or compile them separately")
    return files


def _param_file(path: str) -> Any:
    """`--param-file`: a YAML or JSON mapping of parameter names to values (typed as written)."""
    from kfpc import config, yamlio
    from kfpc.ir import load as ir_load

    name, data = ir_load.read_bytes(path)
    try:
        docs = [d for d in yamlio.load_documents(name, yamlio.decode(name, data)) if d is not None]
    except KfpcError as exc:
        raise UsageError(exc.diagnostics) from None
    if len(docs) != 1 or not isinstance(docs[0], dict) or not all(isinstance(k, str) for k in docs[0]):
        raise UsageError(f"--param-file {path}: expected one mapping of parameter names to values")

    where = config.Config(Path(path))
    return where, {k: config.plain_value(v, where, k) for k, v in docs[0].items()}


def _pair(text: str, flag: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"{flag} {text!r} is not NAME=VALUE")
    return name.strip(), value


def _apply_config(job: _Job, found: Any, from_file: Any) -> None:
    """Fill what the command line left open from the input's config file; repeatable flags add to its
    tables, and --param-file's values sit between the config's and -p's. Remembers where each value came
    from, so an error about it can name the file and key."""
    args = job.args
    args.config_format = found.get("format")
    args.config_strict, args.config_quiet, args.config_notes = found.get("strict"), found.get("quiet"), found.notes
    if args.backend is None and "backend" in found:
        job.blame.append((found, "backend", (re.escape(repr(found.get("backend"))),)))
    args.backend = args.backend or found.get("backend", "argo")
    root = getattr(args, "pipeline_root", None)
    args.pipeline_root = root if root is not None else found.get("pipeline-root")
    for flag, table in (("option", "options"), ("param", "params"), ("label", "labels"), ("annotation", "annotations")):
        merged = dict(found.get(table, {}))
        if table == "options":
            merged = _options_for(args.backend, merged)
        sources = {key: (found, f"{table}.{key}") for key in merged}
        if table == "params" and from_file is not None:
            where, values = from_file
            merged.update(values)
            sources.update((key, (where, key)) for key in values)
        given = dict(_pair(text, "--" + flag if flag != "option" else "-O") for text in getattr(args, flag, []))
        job.blame.extend((where, place, _words(table, key, merged[key]))
                         for key, (where, place) in sources.items() if key not in given)
        merged.update(given)
        setattr(args, table, merged)
    for key in ("kind", "name", "namespace", "service-account", "schedule", "timezone", "max-concurrency", "ttl",
                "pod-gc", "image-pull-policy", "timeout", "pipeline-timeout", "artifact-repository",
                "failure-policy", "parallelism", "run-semaphore"):
        attr = key.replace("-", "_")
        if getattr(args, attr, None) is None and key in found:
            setattr(args, attr, found.get(key))
            job.blame.append((found, key, (rf"(^|[\s(])--{key}\b",)))
        elif not hasattr(args, attr):
            setattr(args, attr, None)
    if getattr(args, "caching", None) is None and "caching" in found:  # a flag wins over the file; neither: off
        args.caching = found.get("caching")
    elif not hasattr(args, "caching"):
        args.caching = None


def _words(table: str, key: str, value: Any) -> tuple[str, ...]:
    """What a message about this table entry says (see the messages in run_options, arguments, backends)."""
    if table == "params":
        return (rf"parameter {re.escape(repr(key))}",)
    if table == "options":
        return (rf"-O {re.escape(key)}=", rf"option {re.escape(repr(key))}")
    return (rf"key {re.escape(repr(key))}", rf"value {re.escape(repr(str(value)))}")


def _options_for(backend: str, options: dict[str, str]) -> dict[str, str]:
    """A config file may hold options of several backends (`argo-version` beside `workspace-size`):
    each backend gets its own; a name no installed backend declares stays, to be reported."""
    from kfpc import registry

    def declared(name: str) -> set[str]:
        try:
            return {o.name for o in getattr(registry.load(name), "options", ())}
        except KfpcError:
            return set()

    mine = declared(backend)
    if set(options) <= mine:
        return options
    others = set().union(*(declared(n) for n in registry.names() if n != backend))
    return {k: v for k, v in options.items() if k in mine or k not in others}


def _run_options(args: argparse.Namespace):
    from kfpc.run_options import RunOptions

    return RunOptions().with_values(
        kind=args.kind, name=args.name, namespace=args.namespace, service_account=args.service_account,
        labels=tuple(sorted(args.labels.items())), annotations=tuple(sorted(args.annotations.items())),
        schedule=args.schedule, timezone=args.timezone, max_concurrency=args.max_concurrency, ttl_seconds=args.ttl,
        pod_gc=args.pod_gc, image_pull_policy=args.image_pull_policy, timeout=args.timeout,
        pipeline_timeout=args.pipeline_timeout, artifact_repository=args.artifact_repository,
        caching=args.caching, failure_policy=args.failure_policy or "fast", parallelism=args.parallelism,
        run_semaphore=args.run_semaphore)


def _join(texts: list[str]) -> str:
    if len(texts) == 1:
        return texts[0]
    return "".join(text if text.startswith("---") else "---\n" + text for text in texts)


def _setup(args: argparse.Namespace) -> int:
    """A backend that needs one-time cluster objects offers `setup(**where)`; printed, never applied."""
    from kfpc import registry
    from kfpc.yamlio import dump_yaml

    engine = registry.load(args.engine)
    if not hasattr(engine, "setup"):
        raise UsageError(f"backend {args.engine!r} needs no one-time set-up")
    where = dict(namespace=args.namespace, service_account=args.service_account,
                 controller_namespace=args.controller_namespace,
                 controller_service_account=args.controller_service_account)
    documents = engine.setup(**where, **({"run_semaphores": tuple(args.run_semaphore)} if args.run_semaphore else {}))
    output.write(output.STDOUT, dump_yaml(documents))
    return 0


def _backends() -> int:
    from kfpc import registry

    for name, entry in sorted(registry.entries().items()):
        try:
            description = registry.load(name).description
        except KfpcError as exc:
            description = f"(broken: {exc.diagnostics[0].message})"
        print(f"{name:10} {description}  [{entry.distribution or entry.target}]")
        try:
            declared = getattr(registry.load(name), "options", ())
        except KfpcError:
            declared = ()
        for option in declared:
            default = f" (default: {option.default})" if option.default is not None else ""
            print(f"{'':10}   -O {option.name}=...  {option.help}{default}")
    return 0
