"""The kfpc runtime for Tekton, owned by this backend: one standard-library program, carried once per
PipelineRun, that runs Python components and the helper steps Tekton cannot do itself.

Written as the jinja2 template program.py.j2, which includes kfpc's executor core
(kfpc/runtime/core.py.j2) and reads the descriptors of backends/tekton/wire.py, whose tags are
rendered into it from that one definition; generate.py renders it into the stamped _generated.py.
"""

from __future__ import annotations


def packed() -> str:
    """The program, minified and zlib-compressed, as one base64 line."""
    from kfpc_backends.tekton.runtime._generated import PACKED

    return PACKED["program"]


def source() -> str:
    """The program as it runs in the pod, for reviewers and tests."""
    from kfpc.runtime.generate import unpack

    return unpack(packed())
