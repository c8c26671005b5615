"""kfpc's executor core for in-pod programs, and how a container starts one.

KFP's Python components expect an ExecutorInput JSON and leave their results in
executor_output.json. Without the KFP backend nobody builds or reads those, so each backend ships a
small standard-library program in the manifest itself: no image of ours. Each backend owns its program
(backends/argo/runtime, backends/tekton/runtime); what they all do identically (typed values and their
text form, placeholders, running the command, reading its outputs) is core.py.j2 here, which every
program's template includes. generate.py renders, minifies and packs them into stamped modules.
"""

from __future__ import annotations


def bootstrap(env_var: str) -> str:
    """The one-liner a container runs; the packed program arrives in `env_var`."""
    return f"import base64,os,zlib;exec(zlib.decompress(base64.b64decode(os.environ['{env_var}'])))"


def bootstrap_file(path: str) -> str:
    """The one-liner a container runs when the packed program is a file (`path`, no quotes in it)."""
    return f"import base64,zlib;exec(zlib.decompress(base64.b64decode(open('{path}').read())))"
