"""Backends are found by name through entry points; a name claimed twice is refused, not guessed."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from conftest import GOLDEN
from kfpc import cli, registry
from kfpc.errors import BackendLoadError, BackendNotFound

ARGO = "kfpc_backends.argo:ArgoBackend"
TEKTON = "kfpc_backends.tekton:TektonBackend"


def installed(monkeypatch: pytest.MonkeyPatch, *eps: tuple[str, str, str]) -> None:
    """Pretend these (name, target, distribution) entry points are what is installed."""
    fake = [SimpleNamespace(name=n, value=v, group=registry.GROUP, dist=SimpleNamespace(name=d)) for n, v, d in eps]
    monkeypatch.setattr(registry.metadata, "entry_points",
                        lambda group: [ep for ep in fake if ep.group == group])


def test_a_name_claimed_by_two_distributions_is_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    installed(monkeypatch, ("argo", ARGO, "kfpc"), ("argo", "argo_fork:Backend", "kfpc-argo-fork"))
    with pytest.raises(BackendLoadError) as caught:
        registry.load("argo")
    message = str(caught.value)
    assert caught.value.code == "KFPC601"
    assert "'argo' is registered more than once" in message
    assert "kfpc_backends.argo:ArgoBackend from kfpc" in message and "argo_fork:Backend from kfpc-argo-fork" in message


def test_the_refusal_does_not_depend_on_which_sorts_first(monkeypatch: pytest.MonkeyPatch) -> None:
    """The old registry picked the claim whose target sorted first, silently."""
    installed(monkeypatch, ("argo", "aaa_first:Backend", "zzz"), ("argo", ARGO, "kfpc"))
    with pytest.raises(BackendLoadError, match="registered more than once"):
        registry.load("argo")


def test_other_backends_still_load_beside_a_clash(monkeypatch: pytest.MonkeyPatch) -> None:
    installed(monkeypatch, ("argo", ARGO, "kfpc"), ("argo", "argo_fork:Backend", "fork"), ("tekton", TEKTON, "kfpc"))
    assert registry.load("tekton").name == "tekton"
    assert registry.names() == ["argo", "tekton"]


def test_one_distribution_seen_twice_is_one_claim(monkeypatch: pytest.MonkeyPatch) -> None:
    """The same install reachable twice on sys.path (e.g. an editable and a leftover egg-info)."""
    installed(monkeypatch, ("argo", ARGO, "kfpc"), ("argo", ARGO, "kfpc"))
    assert registry.load("argo").name == "argo"


def test_the_cli_reports_the_clash(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    installed(monkeypatch, ("argo", ARGO, "kfpc"), ("argo", "argo_fork:Backend", "kfpc-argo-fork"))
    status = cli.main(["compile", "--backend", "argo", str(GOLDEN / "hello_container" / "pipeline.yaml")])
    err = capsys.readouterr().err
    assert status != 0 and "KFPC601" in err and "registered more than once" in err and "Traceback" not in err
    assert cli.main(["backends"]) == 0
    assert "broken: backend name 'argo' is registered more than once" in capsys.readouterr().out


def test_unknown_name_suggests(monkeypatch: pytest.MonkeyPatch) -> None:
    installed(monkeypatch, ("argo", ARGO, "kfpc"))
    with pytest.raises(BackendNotFound) as caught:
        registry.load("argp")
    assert caught.value.code == "KFPC600" and "argo" in str(caught.value)


def test_a_plugin_that_fails_to_import_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    installed(monkeypatch, ("broken", "no_such_module_kfpc:Backend", "broken-dist"))
    with pytest.raises(BackendLoadError, match="failed to load: ModuleNotFoundError"):
        registry.load("broken")
