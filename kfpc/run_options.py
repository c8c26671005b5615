"""How a compiled pipeline is to be run: what kind of object, where, as whom, when.

These are the knobs a Makefile line sets (`kfpc compile ... --namespace ml --schedule "0 2 * * *"`) or
a `[tool.kfpc]` table / `kfpc.yaml` (config.py). They are engine-neutral: each backend maps them to
its own fields, and says in a warning what its engine cannot do. Values are checked here, once, so
a bad one is a usage error before anything is compiled.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields, replace
from typing import Any

from kfpc.errors import UsageError, did_you_mean

__all__ = ["KINDS", "PULL_POLICIES", "POD_GC", "RunOptions", "cron_problem", "timezone_problem", "is_duration",
    "is_quantity", "is_dns_subdomain", "is_label_value", "seconds"]


KINDS = ("run", "template", "cron")
PULL_POLICIES = ("Always", "IfNotPresent", "Never")
POD_GC = ("OnPodCompletion", "OnPodSuccess", "OnWorkflowCompletion", "OnWorkflowSuccess")
FAILURE_POLICIES = ("fast", "slow")
_DNS_SUBDOMAIN = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$")
_DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
_QUALIFIED = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_QUANTITY = re.compile(r"^(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+|[KMGTPE]i|[mkMGTPE])?$")
_DURATION = re.compile(r"^(\d+(\.\d+)?(ns|us|µs|ms|s|m|h))+$")
_CRON_FIELD = re.compile(r"^[A-Za-z0-9*/,\-?LW#]+$")


@dataclass(frozen=True)
class RunOptions:
    kind: str = "run"  # run: one run now; template: a reusable definition; cron: runs on a schedule
    name: str | None = None  # a fixed name; default: generateName from the pipeline's name
    namespace: str | None = None
    service_account: str | None = None
    labels: tuple[tuple[str, str], ...] = ()
    annotations: tuple[tuple[str, str], ...] = ()
    schedule: str | None = None  # cron expression (kind cron)
    timezone: str | None = None
    max_concurrency: int | None = None
    ttl_seconds: int | None = None  # delete the run this long after it finished (a duration given is read here)
    pod_gc: str | None = None  # Argo's pod garbage collection strategy
    image_pull_policy: str | None = None  # default for every container
    timeout: str | None = None  # default per-task timeout (a Go duration, e.g. "2h")
    pipeline_timeout: str | None = None  # the whole run's deadline
    artifact_repository: str | None = None  # Argo: configmap[:key] of the artifact repository to use
    caching: bool = False  # opt-in: True memoizes the tasks the pipeline caches (Argo; Tekton has none)
    # Scale and failure controls: how a failure ends a run, and how much of it runs at once.
    failure_policy: str = "fast"  # fast: the engine's default (KFP's); slow: independent branches finish first
    parallelism: int | None = None  # at most this many pods of one run at once
    run_semaphore: str | None = None  # CONFIGMAP:KEY holding how many runs may hold it at once

    def with_values(self, **values: Any) -> "RunOptions":
        """A copy with the given fields set (None leaves a field as it is), checked."""
        known = {f.name for f in fields(self)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise UsageError(f"unknown run option {unknown[0]!r}")
        given = {k: v for k, v in values.items() if v is not None}
        for key, flag in _DURATION_FIELDS.items():
            if key in given:
                given[key] = duration_seconds(given[key], flag) if key == "ttl_seconds" else duration(given[key], flag)
        updated = replace(self, **given)
        updated.check()
        return updated

    def check(self) -> None:
        if self.kind not in KINDS:
            raise UsageError(f"--kind must be one of {', '.join(KINDS)}, not {self.kind!r}")
        if self.name is not None and (len(self.name) > 63 or not _DNS_SUBDOMAIN.match(self.name)):
            raise UsageError(f"--name {self.name!r} is not a valid Kubernetes name (lowercase letters, digits, '-', "
                             "'.'; at most 63 characters)")
        for flag, value in (("--namespace", self.namespace), ("--service-account", self.service_account)):
            if value is not None and (len(value) > 63 or not _DNS_LABEL.match(value)):
                raise UsageError(f"{flag} {value!r} is not a valid Kubernetes name")
        for flag, pairs in (("--label", self.labels), ("--annotation", self.annotations)):
            for key, value in pairs:
                if not _qualified_name(key):
                    raise UsageError(f"{flag} key {key!r} is not a valid Kubernetes label or annotation key")
                if flag == "--label" and not is_label_value(value):
                    raise UsageError(f"--label value {value!r} is not a valid Kubernetes label value")
        if self.kind == "cron" and not self.schedule:
            raise UsageError("--kind cron needs --schedule (a cron expression such as '0 2 * * *')")
        if self.schedule is not None:
            parts = self.schedule.split()
            if len(parts) == 6 and all(_CRON_FIELD.match(p) for p in parts):  # KFP's format: seconds first
                raise UsageError(f"--schedule {self.schedule!r} has six fields, as KFP's recurring runs take them "
                                 "(seconds first); Argo and Kubernetes take five (minute hour day month weekday)",
                                 hint=f"use --schedule {' '.join(parts[1:])!r}" if parts[0] == "0" else None)
            problem = cron_problem(self.schedule)
            if problem:
                raise UsageError(f"--schedule {self.schedule!r} is not a cron expression: {problem}",
                                 hint="five fields, minute hour day-of-month month day-of-week, e.g. '0 2 * * *'")
        if self.timezone is not None:
            problem = timezone_problem(self.timezone)
            if problem:
                raise UsageError(f"--timezone {self.timezone!r} {problem}")
        if self.schedule is not None and self.kind != "cron":
            raise UsageError("--schedule needs --kind cron")
        for flag, number in (("--max-concurrency", self.max_concurrency), ("--ttl", self.ttl_seconds)):
            if number is not None and number < (1 if flag == "--max-concurrency" else 0):
                raise UsageError(f"{flag} must be a positive number, not {number}")
        if self.pod_gc is not None and self.pod_gc not in POD_GC:
            raise UsageError(f"--pod-gc must be one of {', '.join(POD_GC)}, not {self.pod_gc!r}")
        if self.image_pull_policy is not None and self.image_pull_policy not in PULL_POLICIES:
            raise UsageError(f"--image-pull-policy must be one of {', '.join(PULL_POLICIES)}, not "
                             f"{self.image_pull_policy!r}")
        for flag, text in (("--timeout", self.timeout), ("--pipeline-timeout", self.pipeline_timeout)):
            if text is not None and duration_seconds(text, flag) == 0:  # Argo: stop at once; Tekton: no limit
                raise UsageError(f"{flag} must be longer than 0 (leave it out for no limit)")
        if self.artifact_repository is not None and not re.match(r"^[a-z0-9][-a-z0-9.]*(:[-._a-zA-Z0-9]+)?$",
                                                                 self.artifact_repository):
            raise UsageError(f"--artifact-repository {self.artifact_repository!r} is not CONFIGMAP[:KEY]")
        self._check_scale()

    def _check_scale(self) -> None:
        if self.failure_policy not in FAILURE_POLICIES:
            raise UsageError(f"--failure-policy must be one of {', '.join(FAILURE_POLICIES)}, not "
                             f"{self.failure_policy!r}", hint=did_you_mean(self.failure_policy, FAILURE_POLICIES))
        if self.parallelism is not None and self.parallelism < 1:
            raise UsageError(f"--parallelism must be at least 1, not {self.parallelism}")
        if self.run_semaphore is not None:
            config_map, sep, key = self.run_semaphore.partition(":")
            if not sep or not is_dns_subdomain(config_map) or not re.match(r"^[-._a-zA-Z0-9]+$", key):
                raise UsageError(f"--run-semaphore {self.run_semaphore!r} is not CONFIGMAP:KEY (a ConfigMap name "
                                 "and a key in it)", hint="e.g. --run-semaphore kfpc-semaphores:training")


# The cron dialect Argo and Kubernetes share (robfig/cron's standard parser): five fields of
# `*`, `?`, numbers, names and ranges with optional steps, or a descriptor.
_CRON_RANGES = ((0, 59, "minute"), (0, 23, "hour"), (1, 31, "day of month"), (1, 12, "month"), (0, 6, "day of week"))
_CRON_NAMES: tuple[dict[str, int], ...] = ({}, {}, {}, {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())},
               {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())})
_DESCRIPTORS = ("@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly")


def cron_problem(expr: str) -> str | None:
    """What is wrong with a schedule, or None."""
    if expr.startswith("@"):
        if expr in _DESCRIPTORS or (expr.startswith("@every ") and _DURATION.match(expr[7:].strip())):
            return None
        return f"unknown descriptor (known: {', '.join(_DESCRIPTORS)}, @every <duration>)"
    fields = expr.split()
    if len(fields) != 5:
        return f"{len(fields)} fields, not 5"
    for text, (low, high, what), named in zip(fields, _CRON_RANGES, _CRON_NAMES):
        for part in text.split(","):
            span, _, step = part.partition("/")
            if step and not (step.isdigit() and int(step) > 0):
                return f"bad step {step!r} in the {what} field"
            if span in ("*", "?"):
                continue
            bounds = span.split("-")
            if len(bounds) > 2:
                return f"bad range {span!r} in the {what} field"
            numbers = []
            for bound in bounds:
                number = named.get(bound.lower()) if not bound.isdigit() else int(bound)
                if number is None or not low <= number <= high:
                    return f"{bound!r} is not a {what} ({low}-{high})"
                numbers.append(number)
            if numbers[0] > numbers[-1]:
                return f"range {span!r} of the {what} field runs backwards"
    return None


def timezone_problem(name: str) -> str | None:
    """An IANA zone is checked against this machine's zone database when it has one."""
    import zoneinfo

    if not re.match(r"^[A-Za-z][A-Za-z0-9_+\-]*(/[A-Za-z0-9_+\-]+)*$", name):
        return "is not an IANA time zone name such as Europe/Paris"
    known = zoneinfo.available_timezones()
    if known and name not in known:
        hint = did_you_mean(name, known)
        return "is not an IANA time zone" + (f" ({hint})" if hint else "")
    return None


def is_duration(text: str) -> bool:
    """A Go duration (`time.ParseDuration`): 90s, 30m, 2h, 1h30m; not days."""
    return bool(_DURATION.match(text))


# Every duration a user gives (flags and config keys alike) is read by these two, so `--ttl 24h`,
# `--timeout 90s` and `ttl = 3600` mean what they look like: Go durations, and bare integers as seconds.
_DURATION_FIELDS = {"ttl_seconds": "--ttl", "timeout": "--timeout", "pipeline_timeout": "--pipeline-timeout"}


def duration(value: str | int, flag: str) -> str:
    """A duration as the Go duration text the engines read (`90` becomes `90s`); a usage error otherwise."""
    if isinstance(value, bool):
        raise UsageError(f"{flag} must be a duration such as 90s, 30m or 2h, not {value!r}")
    if isinstance(value, int):
        if value < 0:
            raise UsageError(f"{flag} must not be negative, not {value}")
        return f"{value}s"
    text = str(value).strip()
    if text.isdigit():
        return f"{int(text)}s"
    if not is_duration(text):
        raise UsageError(f"{flag} {value!r} is not a duration such as 90s, 30m or 2h (a bare number is seconds)")
    return text


def duration_seconds(value: str | int, flag: str) -> int:
    """A duration in whole seconds (rounded up), for fields that count seconds."""
    return seconds(duration(value, flag))


def is_quantity(text: str) -> bool:
    """A Kubernetes quantity such as 1Gi, 500M or 0.5Ti."""
    return bool(_QUANTITY.match(text))


def is_dns_subdomain(text: str) -> bool:
    """A valid name for most Kubernetes objects (config maps, secrets, claims)."""
    return len(text) <= 253 and bool(_DNS_SUBDOMAIN.match(text))


def is_label_value(text: str) -> bool:
    return len(text) <= 63 and bool(_LABEL_VALUE.match(text))


def _qualified_name(key: str) -> bool:
    prefix, _, name = key.rpartition("/")
    if prefix and (len(prefix) > 253 or not _DNS_SUBDOMAIN.match(prefix)):
        return False
    return 0 < len(name) <= 63 and bool(_QUALIFIED.match(name))


def seconds(duration: str) -> int:
    """A Go duration in whole seconds (rounded up), for engines that want a number."""
    units = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1, "m": 60, "h": 3600}
    total = 0.0
    for number, _, unit in re.findall(r"(\d+(\.\d+)?)(ns|us|µs|ms|s|m|h)", duration):
        total += float(number) * units[unit]
    whole = int(total)
    return whole if whole == total else whole + 1
