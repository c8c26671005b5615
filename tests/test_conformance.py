"""The built-in backends pass the same conformance kit offered to plugin authors."""

from kfpc.testing import BackendConformance


class TestArgoConformance(BackendConformance):
    backend = "argo"


class TestTektonConformance(BackendConformance):
    backend = "tekton"
