"""collected_artifacts: fan-in of artifacts produced inside a ParallelFor.

Exercises:

* a ParallelFor where each iteration writes a Dataset artifact;
* `dsl.Collected` of those artifacts consumed after the loop by a Python
  component whose input is `Input[List[Dataset]]` (the form the kfp docs
  show); the IR marks that input `isArtifactList: true` and the loop DAG
  surfaces the per-iteration artifacts as a list output
  (`artifactSelectors` on a `for-loop-N` DAG);
* a sub-pipeline (`make_shards`) that runs its own ParallelFor and returns
  the collected artifacts as its pipeline output (`-> List[Dataset]`), which
  the outer pipeline consumes as a list artifact input, i.e. the artifact
  list has to cross a nested DAG boundary;
* a ParallelFor over that artifact list (`artifactIterator` in the IR,
  with `parallelism=1`), each iteration consuming one Dataset;
* the collected artifacts of the top-level loop are also returned as the
  pipeline's own output (a root `isArtifactList` output). As in the loops
  case, a separate `dsl.Collected` object is used for the return because
  kfp 2.17.3 fails to compile when one object is both consumed and returned.
"""
from typing import List

from kfp import dsl
from kfp.dsl import Dataset, Input, Output


@dsl.component(base_image='python:3.11-slim')
def make_shard(index: int, shard: Output[Dataset]):
    with open(shard.path, 'w') as f:
        f.write(f'shard {index}\n')
    shard.metadata['index'] = index


@dsl.component(base_image='python:3.11-slim')
def merge_shards(shards: Input[List[Dataset]], merged: Output[Dataset]) -> int:
    with open(merged.path, 'w') as out:
        for s in shards:
            with open(s.path) as f:
                out.write(f.read())
    return len(shards)


@dsl.component(base_image='python:3.11-slim')
def read_shard(shard: Input[Dataset]) -> str:
    with open(shard.path) as f:
        return f.read()


@dsl.pipeline(name='make-shards')
def make_shards(indexes: List[int]) -> List[Dataset]:
    with dsl.ParallelFor(indexes) as i:
        t = make_shard(index=i)
    return dsl.Collected(t.outputs['shard'])


@dsl.pipeline(name='collected-artifacts')
def pipeline() -> List[Dataset]:
    with dsl.ParallelFor([1, 2, 3]) as i:
        shard = make_shard(index=i)
    merge_shards(shards=dsl.Collected(shard.outputs['shard']))

    nested = make_shards(indexes=[10, 20])
    merge_shards(shards=nested.output)

    # Iterate over an artifact list (artifactIterator in the IR).
    with dsl.ParallelFor(nested.output, parallelism=1) as one_shard:
        read_shard(shard=one_shard)

    return dsl.Collected(shard.outputs['shard'])
