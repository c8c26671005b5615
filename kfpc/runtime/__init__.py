"""The in-pod launcher carried inside manifests for Python components (`{{$}}`).

KFP's Python components expect an ExecutorInput JSON and leave their results in
executor_output.json. Without the KFP backend nobody builds or reads those, so kfpc ships a small
standard-library script in the manifest itself: no image of ours. Its text is the product, so it is
a jinja2 template rendered per engine (where outputs go differs between Argo and Tekton).
"""

from __future__ import annotations

import functools
from importlib import resources


@functools.lru_cache(maxsize=8)
def launcher_source(engine: str, outputs_dir: str, inputs_dir: str, oci_dir: str = "/kfpc/oci") -> str:
    import jinja2

    text = resources.files("kfpc.runtime").joinpath("launcher.py.j2").read_text("utf-8")
    env = jinja2.Environment(undefined=jinja2.StrictUndefined, keep_trailing_newline=True, autoescape=False)
    source = env.from_string(text).render(engine=engine, outputs_dir=outputs_dir, inputs_dir=inputs_dir,
                                                  oci_dir=oci_dir)
    for forbidden in ("{{", "}}", "$"):
        if forbidden in source:  # engines would substitute it; the template must never produce one
            raise AssertionError(f"launcher source contains {forbidden!r}")
    return source


def minified(source: str) -> str:
    """Comments, docstrings and blank lines removed: manifests carry the code, not its commentary."""
    import ast

    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr) \
                and isinstance(getattr(body[0], "value", None), ast.Constant) and isinstance(body[0].value.value, str):
            body.pop(0)
            if not body:
                body.append(ast.Pass())
    return ast.unparse(tree) + "\n"


@functools.lru_cache(maxsize=8)
def packed(engine: str, outputs_dir: str, inputs_dir: str) -> str:
    """The launcher as one base64 line of zlib data: a third of its size, and free of characters
    any engine's templating could touch. `kfpc launcher` prints the readable source."""
    import base64
    import zlib

    code = minified(launcher_source(engine, outputs_dir, inputs_dir))
    return base64.b64encode(zlib.compress(code.encode("utf-8"), 9)).decode("ascii")


def bootstrap(env_var: str) -> str:
    """The one-liner a container runs; the packed launcher arrives in `env_var`."""
    return f"import base64,os,zlib;exec(zlib.decompress(base64.b64decode(os.environ['{env_var}'])))"
