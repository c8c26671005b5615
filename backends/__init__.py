"""kfpc's built-in engine backends, installed as the `kfpc_backends` package.

One subpackage per engine. Each is registered in pyproject.toml under the `kfpc.backends`
entry-point group, exactly as a third-party plugin would be, and only ever sees the neutral plan
(kfpc.plan.model). The core never imports from here (tests/test_layering.py holds that line).
"""
