"""conditions: dsl.If / dsl.Elif / dsl.Else and dsl.OneOf on parameter outputs.

Exercises:

* an If/Elif/Else chain on a STRING task output (`==`, `!=`), which kfp
  compiles to sibling `condition-branches-N` / `condition-N` DAGs whose
  triggerPolicy conditions are mutually exclusive (`!(a) && b`, ...);
* a numeric comparison on an `int` output (`> 5`), where the IR condition
  must compare numbers, not strings (`int(...)` in the CEL expression);
* boolean equality on a `bool` output (`== True`);
* a condition nested inside a condition (inner DAG inside an outer
  condition DAG), whose inner task also consumes an output of a task from
  the outer scope;
* conditions on pipeline parameters (string `==`, int `>=` against a task
  output, i.e. a condition mixing a pipeline parameter and a task output);
* `dsl.OneOf(...)` over one STRING output from each branch of the
  If/Elif/Else chain, consumed by a downstream task outside the branches
  (`valueFromOneof` / `parameterExpressionSelector` in the IR) and also
  returned as a pipeline output.
"""
from kfp import dsl


@dsl.component(base_image='python:3.11-slim')
def flip_coin(seed: int) -> str:
    import random
    random.seed(seed)
    return random.choice(['heads', 'tails', 'edge'])


@dsl.component(base_image='python:3.11-slim')
def get_number(n: int) -> int:
    return n


@dsl.component(base_image='python:3.11-slim')
def is_even(n: int) -> bool:
    return n % 2 == 0


@dsl.component(base_image='python:3.11-slim')
def say(msg: str) -> str:
    print(msg)
    return msg


@dsl.pipeline(name='conditions')
def pipeline(seed: int = 42, mode: str = 'fast', threshold: int = 3) -> str:
    coin = flip_coin(seed=seed)

    # If / Elif / Else on a string output, with a OneOf consumed downstream.
    with dsl.If(coin.output == 'heads', name='is-heads'):
        heads = say(msg='got heads')
    with dsl.Elif(coin.output == 'tails', name='is-tails'):
        tails = say(msg='got tails')
    with dsl.Else(name='is-edge'):
        edge = say(msg='landed on its edge')
    picked = dsl.OneOf(heads.output, tails.output, edge.output)
    say(msg=picked).set_display_name('after-branches')

    number = get_number(n=seed)

    # Numeric comparison on an int output, with a nested boolean condition.
    with dsl.If(number.output > 5, name='big-number'):
        say(msg='number > 5')
        even = is_even(n=number.output)
        with dsl.If(even.output == True, name='big-and-even'):
            say(msg='number > 5 and even').after(even)
        with dsl.If(coin.output != 'edge', name='big-and-not-edge'):
            say(msg=coin.output)

    # Conditions on pipeline parameters.
    with dsl.If(mode == 'fast', name='mode-is-fast'):
        say(msg='fast mode')
    with dsl.If(number.output >= threshold, name='number-ge-threshold'):
        say(msg='number >= threshold parameter')

    return picked
