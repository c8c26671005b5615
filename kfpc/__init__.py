"""kfpc: compile Kubeflow Pipelines IR into standalone workflow-engine manifests.

One library entry point, taking what a pipeline author has at hand (a path to IR or to a Python file,
IR text, an IR dict, or a `@dsl.pipeline` function); the CLI uses the same code:

    import kfpc
    result = kfpc.compile("pipeline.yaml", backend="tekton", params={"n_estimators": 200},
                          run=kfpc.RunOptions(kind="template", namespace="ml"),
                          options={"workspace-size": "20Gi"})
    print(result.text())          # YAML (result.text("json") for JSON); result.documents as dicts
    for warning in result.warnings: ...

Errors are KfpcError, with the same codes and messages as the command line.
"""

from kfpc.backend import Options
from kfpc.compiler import Result, compile, compile_file, compile_plan, compile_text, load_plan
from kfpc.errors import KfpcError, UsageError
from kfpc.run_options import RunOptions

__version__ = "0.1.0"
__all__ = ["KfpcError", "Options", "Result", "RunOptions", "UsageError", "__version__", "compile", "compile_file",
           "compile_plan", "compile_text", "load_plan"]
