"""Whether a pipeline is clearly too large for one Workflow, found before it is rendered whole.

A run too large for one Workflow becomes a Workflow of Workflows (children.py). Rendering and
measuring the whole pipeline only to learn that it does not fit costs about as much as building the
children, which made the largest compiles superlinear (issue 13). So a pipeline with many leaf
tasks is first measured on two prefixes of its top-level tasks, each rendered as a Workflow of its
own and measured as size.py measures a run. What a leaf task adds between the two prefixes,
carried over to every remaining leaf task, estimates the whole run.

Only an estimate of at least MARGIN times the limit skips the whole render: a pipeline nearer the
limit is rendered whole as before, so that one Workflow is never given up for children on a guess.
children.build_direct checks the estimate against the children it builds, and the compile falls
back to the whole render whenever they disagree or a child Workflow cannot run the pipeline.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from kfpc.plan.model import DagComponent, Plan, Task

from kfpc_backends.argo import children, size, workflow

MARGIN = 2.0  # an estimate this many times the limit goes straight to child Workflows
LEAF_BYTES = 512  # below limit / LEAF_BYTES leaf tasks a pipeline is rendered whole without probing
PROBE_BYTES = 4096  # the first prefix holds limit / PROBE_BYTES leaf tasks, the second twice that


@dataclass(frozen=True)
class Settings:
    """What makes a task's templates larger or smaller: the compile's own settings."""

    limit: int
    version: str
    cache: Any  # memo.Cache | None
    helper_image: str
    fail_slow: bool


def estimate(plan: Plan, settings: Settings) -> int | None:
    """Bytes the running Workflow of the whole pipeline would hold, when that is at least MARGIN
    times the limit; None when it may be less, or the pipeline is too small to be worth probing."""
    root = plan.root_dag
    if len(root.tasks) < 3:  # nothing to cut between (and a whole-pipeline exit handler has 2)
        return None
    counted: dict[str, int] = {}
    leaves = [_leaves(plan, task, counted) for task in root.tasks]
    total = sum(leaves)
    wanted = max(1, settings.limit // PROBE_BYTES)  # leaf tasks in the shorter prefix
    if total < settings.limit // LEAF_BYTES or total < 4 * wanted:
        return None
    short_tasks, long_tasks = _prefix(leaves, wanted), _prefix(leaves, 2 * wanted)  # top-level tasks
    if long_tasks >= len(root.tasks) or short_tasks >= long_tasks:
        return None
    try:
        short_bytes, long_bytes = _measure(plan, short_tasks, settings), _measure(plan, long_tasks, settings)
    except Exception:  # noqa: BLE001 - only an estimate: the whole render says what is wrong, in context
        return None
    short_leaves, long_leaves = sum(leaves[:short_tasks]), sum(leaves[:long_tasks])
    per_leaf = max(0.0, (long_bytes - short_bytes) / max(1, long_leaves - short_leaves))
    whole = int(long_bytes + per_leaf * (total - long_leaves))
    return whole if whole >= MARGIN * settings.limit else None


def _leaves(plan: Plan, task: Task, counted: dict[str, int]) -> int:
    """Leaf tasks under `task` (a loop's body once); each DAG's count is worked out once."""
    component = plan.component(task.component)
    if not isinstance(component, DagComponent):
        return 1
    if component.name not in counted:
        counted[component.name] = sum(_leaves(plan, t, counted) for t in component.tasks)
    return counted[component.name]


def _prefix(leaves: list[int], at_least: int) -> int:
    """How many top-level tasks, from the first, hold at least `at_least` leaf tasks."""
    held = 0
    for count, leaf_count in enumerate(leaves, 1):
        held += leaf_count
        if held >= at_least:
            return count
    return len(leaves)


def _measure(plan: Plan, count: int, settings: Settings) -> int:
    """The running size of the pipeline's first `count` top-level tasks as a Workflow of their own.
    The root's tasks are in topological order, so a prefix reads only from itself."""
    root = replace(plan.root_dag, tasks=plan.root_dag.tasks[:count], out_params=(), out_artifacts=())
    prefix = replace(plan, components=children.reachable(plan, root))
    document = workflow.build(prefix, plan.pipeline_root, settings.cache, helper_image=settings.helper_image,
                              fail_slow=settings.fail_slow)
    return sum(size.estimate([document], settings.version).values())
