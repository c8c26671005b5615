"""The in-pod launcher carried inside manifests for Python components (`{{$}}`).

KFP's Python components expect an ExecutorInput JSON and leave their results in
executor_output.json. Without the KFP backend nobody builds or reads those, so kfpc ships a small
standard-library script in the manifest itself: no image of ours. Its text is the product, written
as a jinja2 template (launcher.py.j2) and rendered per engine by generate.py into the stamped
_generated.py, so compiling never imports jinja2.
"""

from __future__ import annotations


FEATURES = ("lists", "imports", "placeholders")


def packed(engine: str, features: frozenset[str] | set[str] = frozenset()) -> str:
    """The launcher for `engine` with the optional `features` (see launcher.py.j2), minified and
    zlib-compressed, as one base64 line. Unused features are left out: every byte is in every run."""
    from kfpc.runtime._generated import PACKED

    unknown = set(features) - set(FEATURES)
    if unknown:
        raise ValueError(f"unknown launcher features {sorted(unknown)}")
    return PACKED["+".join([engine, *sorted(features)])]


def source(engine: str, features: frozenset[str] | set[str] = frozenset(FEATURES)) -> str:
    """The launcher as it runs in the pod, for reviewers and tests."""
    import base64
    import zlib

    return zlib.decompress(base64.b64decode(packed(engine, features))).decode("utf-8")


def bootstrap(env_var: str) -> str:
    """The one-liner a container runs; the packed launcher arrives in `env_var`."""
    return f"import base64,os,zlib;exec(zlib.decompress(base64.b64decode(os.environ['{env_var}'])))"


def bootstrap_file(path: str) -> str:
    """The one-liner a container runs when the packed launcher is a file (`path`, no quotes in it)."""
    return f"import base64,zlib;exec(zlib.decompress(base64.b64decode(open('{path}').read())))"


def tekton_packed() -> str:
    """The Tekton runtime (tekton.py.j2), minified and compressed, as one base64 line."""
    from kfpc.runtime._generated import TEKTON

    return "".join(TEKTON)
