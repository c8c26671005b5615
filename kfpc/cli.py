"""The `kfpc` command line: compile, validate, backends.

Exit status: 0 success, 1 invalid or unsupported input (message on stderr naming the file; nothing
written), 2 usage. All inputs are compiled before anything is written, and files are replaced
atomically, so a failed run never leaves half an output behind.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
from pathlib import Path
from typing import Sequence

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

    comp = sub.add_parser("compile", help="compile IR files into manifests",
                          description="Compile pipeline IR (YAML or JSON, `-` for stdin) into engine manifests.")
    comp.add_argument("inputs", nargs="+", metavar="IR", help="IR file compiled by the kfp SDK, or - for stdin")
    comp.add_argument("-b", "--backend", help="target engine (default: argo; see `kfpc backends`)")
    where = comp.add_mutually_exclusive_group()
    where.add_argument("-o", "--output", metavar="FILE", help="write to FILE; - is standard output (the default)")
    where.add_argument("--output-dir", metavar="DIR", help="write one file per input, named after the input")
    comp.add_argument("--format", choices=sorted(_EXT), help="output format (default: yaml)")
    comp.add_argument("--pipeline-root", metavar="URI", help="value of {{$.pipeline_root}} (default: the IR's)")
    comp.add_argument("-p", "--param", action="append", default=[], metavar="NAME=VALUE",
                      help="a pipeline parameter's value, typed by the IR (becomes its default), repeatable")
    comp.add_argument("-O", "--option", action="append", default=[], metavar="NAME=VALUE",
                      help="a backend option, repeatable (see `kfpc backends`)")
    comp.add_argument("--config", metavar="FILE", help="settings file (default: ./kfpc.yaml, or [tool.kfpc] in "
                      "./pyproject.toml)")
    run = comp.add_argument_group("how the pipeline runs")
    run.add_argument("--kind", choices=KINDS, help="run: one run (default); template: a reusable definition "
                     "(Argo WorkflowTemplate, Tekton Pipeline + PipelineRun); cron: runs on --schedule")
    run.add_argument("--name", help="a fixed object name (default: generated from the pipeline's name)")
    run.add_argument("--namespace", help="namespace of the objects")
    run.add_argument("--service-account", help="service account the pods run as")
    run.add_argument("--label", action="append", default=[], metavar="KEY=VALUE", help="label, repeatable")
    run.add_argument("--annotation", action="append", default=[], metavar="KEY=VALUE", help="annotation, repeatable")
    run.add_argument("--schedule", metavar="CRON", help="cron schedule, e.g. '0 2 * * *' (with --kind cron)")
    run.add_argument("--timezone", metavar="TZ", help="IANA time zone of the schedule (default: the engine's)")
    run.add_argument("--max-concurrency", type=int, metavar="N", help="scheduled runs at once (1: never overlap)")
    run.add_argument("--ttl", type=int, metavar="SECONDS", help="delete a run this long after it finished")
    run.add_argument("--pod-gc", choices=POD_GC, help="Argo pod garbage collection strategy")
    run.add_argument("--image-pull-policy", choices=PULL_POLICIES, help="default image pull policy")
    run.add_argument("--timeout", metavar="DURATION", help="default per-task timeout, e.g. 2h (default: none)")
    run.add_argument("--pipeline-timeout", metavar="DURATION", help="deadline of the whole run (default: none)")
    run.add_argument("--artifact-repository", metavar="CONFIGMAP[:KEY]", help="Argo artifact repository to use")
    run.add_argument("--disable-caching", action="store_true", default=None,
                     help="run every task, whatever the pipeline's caching options say")
    scale = comp.add_argument_group("failures and concurrency")
    scale.add_argument("--failure-policy", choices=FAILURE_POLICIES,
                       help="fast (default, as KFP): a failed task ends its DAG as soon as nothing of it runs; "
                       "slow: every task that does not need the failed one still runs, then the run fails (Argo)")
    scale.add_argument("--parallelism", type=int, metavar="N", help="at most N pods of one run at once (Argo)")
    scale.add_argument("--run-semaphore", metavar="CONFIGMAP:KEY", help="runs holding this semaphore run at most "
                       "as many at once as the ConfigMap's key says, across runs and pipelines (Argo)")

    val = sub.add_parser("validate", help="check IR files without compiling them")
    val.add_argument("inputs", nargs="+", metavar="IR")

    sub.add_parser("backends", help="list installed backends")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
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
        if output.is_termination(exc):
            return 128 + signal.SIGTERM
        raise


def _run(args: argparse.Namespace) -> int:
    if args.command == "compile":
        return _compile(args)
    if args.command == "validate":
        return _validate(args)
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


def _compile(args: argparse.Namespace) -> int:
    from kfpc import compiler, registry
    from kfpc.backend import Options, settings

    _apply_config(args)
    targets = _targets(args)
    engine = registry.load(args.backend)  # fail fast on a bad backend name, before reading anything
    options = Options(pipeline_root=args.pipeline_root, extra=tuple(args.options.items()),
                      run=_run_options(args), params=tuple(args.params.items()))
    settings(engine, options)  # and on a bad option
    results = []
    failed = False
    for path in args.inputs:
        try:
            plan, warnings = compiler.load_plan(path)
            rendered = compiler.compile_plan(plan, engine, options)
            results.append((path, compiler.Result(tuple(rendered.documents),
                                                  tuple(warnings) + tuple(rendered.warnings))))
        except UsageError:
            raise
        except KfpcError as exc:
            _print_error(exc.with_file(path if path != "-" else "<stdin>") if not exc.diagnostics[0].file else exc)
            failed = True
    if failed:
        return 1
    for path, result in results:
        for warning in result.warnings:
            print(f"warning: {warning}", file=sys.stderr)
    texts = [(path, result.text(args.format)) for path, result in results]
    if args.output_dir:
        output.write_files([(str(target), text) for (_, text), target in zip(texts, targets)])
    else:
        output.write(args.output or output.STDOUT, _join(texts, args.format))
    return 0


def _targets(args: argparse.Namespace) -> list[Path]:
    output.check_target(args.output, "-o/--output")
    output.check_target(args.output_dir, "--output-dir")
    if args.output_dir:
        seen: dict[str, str] = {}
        targets = []
        for path in args.inputs:
            stem = "stdin" if path == "-" else Path(path).stem
            if stem in seen:
                raise UsageError(f"inputs {seen[stem]!r} and {path!r} would both be written to "
                                 f"{stem}{_EXT[args.format]} in {args.output_dir}; rename one or compile them "
                                 "separately")
            seen[stem] = path
            targets.append(Path(args.output_dir) / f"{stem}{_EXT[args.format]}")
        if Path(args.output_dir).exists() and not Path(args.output_dir).is_dir():
            raise UsageError(f"--output-dir {args.output_dir!r} exists and is not a directory")
        return targets
    if args.format == "json" and len(args.inputs) > 1:
        raise UsageError("JSON output holds one manifest; use --output-dir for several inputs")
    if args.inputs.count("-") > 1:
        raise UsageError("standard input (-) can be read only once")
    return []


def _pair(text: str, flag: str) -> tuple[str, str]:
    name, sep, value = text.partition("=")
    if not sep or not name.strip():
        raise UsageError(f"{flag} {text!r} is not NAME=VALUE")
    return name.strip(), value


def _apply_config(args: argparse.Namespace) -> None:
    """Fill what the command line left open from the config file; repeatable flags add to its tables."""
    from kfpc import config

    found = config.load(config.find(args.config))
    args.backend = args.backend or found.get("backend", "argo")
    args.format = args.format or found.get("format", "yaml")
    if args.format not in _EXT:
        raise UsageError(f"format must be one of {', '.join(sorted(_EXT))}, not {args.format!r}")
    args.pipeline_root = args.pipeline_root if args.pipeline_root is not None else found.get("pipeline-root")
    for flag, table in (("option", "options"), ("param", "params"), ("label", "labels"), ("annotation", "annotations")):
        merged = dict(found.get(table, {}))
        if table == "options":
            merged = _options_for(args.backend, merged)
        merged.update(_pair(text, "--" + flag if flag != "option" else "-O") for text in getattr(args, flag))
        setattr(args, table, merged)
    for key in ("kind", "name", "namespace", "service-account", "schedule", "timezone", "max-concurrency", "ttl",
                "pod-gc", "image-pull-policy", "timeout", "pipeline-timeout", "artifact-repository"):
        attr = key.replace("-", "_")
        if getattr(args, attr) is None and key in found:
            setattr(args, attr, found[key])
    for key in ("failure-policy", "parallelism", "run-semaphore"):
        if getattr(args, key.replace("-", "_")) is None and key in found:
            setattr(args, key.replace("-", "_"), found[key])
    if args.disable_caching is None and "caching" in found:
        args.disable_caching = not found["caching"]


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
        caching=not args.disable_caching if args.disable_caching is not None else None,
        failure_policy=args.failure_policy, parallelism=args.parallelism, run_semaphore=args.run_semaphore)


def _join(texts: list[tuple[str, str]], fmt: str) -> str:
    if len(texts) == 1:
        return texts[0][1]
    return "".join(text if text.startswith("---") else "---\n" + text for _, text in texts)


def _validate(args: argparse.Namespace) -> int:
    from kfpc import compiler

    failed = False
    for path in args.inputs:
        try:
            _, warnings = compiler.load_plan(path)
        except KfpcError as exc:
            _print_error(exc)
            failed = True
            continue
        for warning in warnings:
            print(f"warning: {warning}", file=sys.stderr)
        print(f"{path}: ok")
    return 1 if failed else 0


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
