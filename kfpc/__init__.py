"""kfpc: compile Kubeflow Pipelines IR into standalone workflow-engine manifests.

Library entry points (the CLI uses the same ones):

    import kfpc
    result = kfpc.compile_file("pipeline.yaml", backend="argo")
    print(result.text())
"""

from kfpc.compiler import Result, compile_file, compile_plan, compile_text, load_plan
from kfpc.errors import KfpcError

__version__ = "0.1.0"
__all__ = ["Result", "compile_file", "compile_plan", "compile_text", "load_plan", "KfpcError", "__version__"]
