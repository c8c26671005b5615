"""loops: dsl.ParallelFor in all its parameter-iterating forms.

Exercises:

* a static list of strings (`raw` items in the IR's parameterIterator);
* a static list of dicts with field access (`item.a`, `item.b`), which
  becomes `parameterExpressionSelector: parseJson(string_value)["a"]`;
* a list produced at runtime by an upstream task (`inputParameter` items
  pointing at a task output), with `parallelism=2` (iteratorPolicy);
* a list pipeline parameter with a default;
* a nested ParallelFor (outer over the pipeline-parameter list, inner over a
  static list of ints) where the inner task consumes both loop items;
* a condition inside a loop body, on the output of a task in the same
  iteration;
* `dsl.Collected` of a parameter output produced in every iteration,
  consumed after the loop by a task taking `List[int]`, and also
  returned as a pipeline output (`valueFromParameter` of a loop DAG output,
  a LIST-typed root output).
"""
from typing import List

from kfp import dsl


@dsl.component(base_image='python:3.11-slim')
def say(msg: str):
    print(msg)


@dsl.component(base_image='python:3.11-slim')
def describe(a: int, b: int) -> str:
    return f'{a}+{b}={a + b}'


@dsl.component(base_image='python:3.11-slim')
def make_list(n: int) -> List[str]:
    return [f'item-{i}' for i in range(n)]


@dsl.component(base_image='python:3.11-slim')
def pair(outer: str, inner: int) -> str:
    return f'{outer}/{inner}'


@dsl.component(base_image='python:3.11-slim')
def square(x: int) -> int:
    return x * x


@dsl.component(base_image='python:3.11-slim')
def total(values: List[int]) -> int:
    print(values)
    return sum(values)


@dsl.pipeline(name='loops')
def pipeline(
    names: List[str] = ['alice', 'bob'],
    n: int = 4,
) -> List[int]:
    # Static list of strings.
    with dsl.ParallelFor(['a', 'b', 'c'], name='static-strings') as s:
        say(msg=s)

    # Static list of dicts, with field access. (kfp types every field with
    # the type of the first dict's first value, so all values are ints.)
    with dsl.ParallelFor([{'a': 1, 'b': 10}, {'a': 2, 'b': 20}],
                         name='static-dicts') as item:
        describe(a=item.a, b=item.b)

    # List output of an upstream task, at most 2 iterations at a time.
    generated = make_list(n=n)
    with dsl.ParallelFor(generated.output, parallelism=2,
                         name='from-task-output') as g:
        say(msg=g)

    # Pipeline-parameter list, with a nested loop over a static list.
    with dsl.ParallelFor(names, name='outer') as name:
        with dsl.ParallelFor([1, 2, 3], name='inner') as i:
            pair(outer=name, inner=i)

    # Condition inside a loop, and Collected of a parameter output.
    with dsl.ParallelFor([1, 2, 3, 4], name='squares') as x:
        sq = square(x=x)
        with dsl.If(sq.output > 4, name='square-gt-4'):
            say(msg='big square')
    total(values=dsl.Collected(sq.output))
    # A second Collected object for the pipeline output: kfp 2.17.3 raises
    # KeyError('for-loop-N') at compile time when the *same* Collected object
    # is both consumed by a task and returned (the consumer pass mutates it).
    return dsl.Collected(sq.output)
