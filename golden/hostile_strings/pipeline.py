"""hostile_strings: values that look like template syntax, shell syntax, or are just awkward bytes.

Exercises: byte-for-byte delivery of strings that a KFP->Argo/Tekton compiler
is tempted to interpret or mangle:

* Argo templating: `{{workflow.name}}`, `{{inputs.parameters.x}}`, the expr
  form `{{=1+1}}`, and unbalanced `{{` / `}}`;
* Tekton substitution: `$(params.x)`, `$(context.pipelineRun.name)`;
* shell/env expansion: `$HOME`, `${HOME}`, `$$`, backticks;
* quoting: single and double quotes, backslashes (including a literal
  backslash-n, which is NOT a newline);
* whitespace/control: a real newline, a tab, BEL (\\x07);
* unicode: accents, CJK, emoji, and a subdivision flag emoji made of a
  black flag + tag characters (U+E0067 ... U+E007F), which breaks naive
  UTF-16 / grapheme handling.

They reach the components as pipeline-parameter defaults, as task-input
constants, inside list/dict constants and list/dict parameter defaults
(JSON-encoded), as the output of a Python component that is consumed
downstream, inside a `dsl.ConcatPlaceholder`, as literal container args, in
a task display name and in the pipeline description. Each is printed by a
Python component (repr + hex) and a container component (printf of argv, no
shell), so a run's logs show exactly what arrived.

kfp 2.17.3 limitation: a STRING pipeline-parameter default must not contain
a newline or a control character. kfp copies string defaults verbatim into
the `# Inputs:` header comment of the YAML it writes, so a newline ends the
comment (the rest of the value becomes YAML syntax) and BEL makes the whole
file unreadable for YAML parsers. So the newline/BEL value (WHITESPACE)
reaches the pipeline as a task-input constant and inside the list/dict
parameter defaults (which the header renders with Python repr, i.e.
escaped), but not as a plain string default; `tab_only` covers the tab.

The dict parameter default has a single key on purpose: kfp 2.17.3 renders
dict defaults in that header comment in protobuf map order, which with the
default `upb` protobuf backend changes from process to process, so a
multi-key dict default makes the compiled bytes nondeterministic (the YAML
body itself is key-sorted and stable).
"""
from kfp import dsl

ARGO = '{{workflow.name}} {{inputs.parameters.x}} {{=1+1}} lone{{ close}} {{'
TEKTON = '$(params.x) $(context.pipelineRun.name)'
SHELL = '$HOME ${HOME} $$ `id` $(id)'
QUOTES = 'single\' double" back\\slash literal-backslash-n:\\n'
TAB_ONLY = 'TAB:\there'
WHITESPACE = 'newline:\nTAB:\tBEL:\x07end'
# Scotland flag = U+1F3F4 + tag letters g b s c t + cancel tag U+E007F.
UNICODE = 'café naïve 日本語 中文 😀 🏴\U000E0067\U000E0062\U000E0073\U000E0063\U000E0074\U000E007F'
# Everything except the newline/BEL (see the module docstring).
DEFAULT_SAFE = ' | '.join([ARGO, TEKTON, SHELL, QUOTES, TAB_ONLY, UNICODE])
EVERYTHING = ' | '.join([ARGO, TEKTON, SHELL, QUOTES, WHITESPACE, UNICODE])


@dsl.component(base_image='python:3.11-slim')
def show(s: str) -> str:
    print(repr(s))
    print(s.encode('utf-8').hex())
    return s


@dsl.component(base_image='python:3.11-slim')
def show_json(items: list, mapping: dict):
    print(repr(items))
    print(repr(mapping))


@dsl.container_component
def echo_argv(s: str):
    return dsl.ContainerSpec(
        image='alpine:3.19',
        command=['printf', '<%s>\\n'],
        args=[
            s,
            dsl.ConcatPlaceholder(['{{workflow.name}}|', s, '|$(params.x)']),
            '{{inputs.parameters.s}}',
            '$(params.s)',
        ],
    )


@dsl.pipeline(
    name='hostile-strings',
    description='Description with {{workflow.name}}, $(params.x), "quotes" and \'ticks\'.',
)
def pipeline(
    argo: str = ARGO,
    tekton: str = TEKTON,
    shell: str = SHELL,
    quotes: str = QUOTES,
    tab_only: str = TAB_ONLY,
    unicode: str = UNICODE,
    combined: str = DEFAULT_SAFE,
    as_list: list = [ARGO, WHITESPACE, UNICODE],
    # One key only: see the module docstring.
    as_dict: dict = {'{{key}} $(params.k)': EVERYTHING},
):
    # Pipeline-parameter defaults -> both component kinds.
    for param in (argo, tekton, shell, quotes, tab_only, unicode, combined):
        show(s=param)
        echo_argv(s=param)

    # Compile-time constants (including newline + BEL) -> both component kinds.
    const_py = show(s=EVERYTHING)
    echo_argv(s=EVERYTHING).set_display_name('echo {{workflow.name}} $(params.x)')

    # A hostile value produced at runtime and consumed downstream.
    echo_argv(s=const_py.output)

    # Hostile strings inside list/dict constants and list/dict parameters.
    show_json(items=[ARGO, TEKTON, SHELL, QUOTES, WHITESPACE, UNICODE],
              mapping={'{{workflow.name}}': '$(params.x)', 'ws': WHITESPACE})
    show_json(items=as_list, mapping=as_dict)
