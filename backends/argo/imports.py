"""Importers that download into KFP's workspace (`dsl.importer(download_to_workspace=True)`).

Other importers run no pod: each consumer downloads the URI itself (workflow.py). These run one:
Argo's executor downloads the URI into the pod (its gcs/s3 drivers, with the pod's credentials),
and the helper image's python3 publishes it at KFP's workspace path (kfpc/plan/workspace.py).
Consumers depend on the task, declare no input artifact for it (nothing is downloaded twice) and
read the workspace path; their metadata carries `_kfp_workspace: true` as KFP's driver gives it.

Publishing is idempotent and safe when several pods import the same URI (loop iterations, two
importers, a retried pod): the copy is made beside the target under the pod's own name, then
renamed into place; a target that already exists was published whole by an earlier pod and is
kept, so a consumer never sees a half-written file or directory.
"""

from __future__ import annotations

from kfpc.plan import workspace

from kfpc_backends.argo import escape

TEMPLATE = "kfpc-workspace-import"
SOURCE = "kfpc-source"  # the template's input artifact: where Argo's executor puts the download
URI_PARAM = "kfpc-uri"
SOURCE_PATH = "/kfpc/inputs/" + SOURCE
# The publishing program. `{ws}` is the workspace's mount (tests run it elsewhere); its text holds
# no `{{` or `$`, which Argo or the kubelet would substitute.
_PUBLISH = """\
import os, shutil, sys
uri, src = os.environ['KFPC_URI'], sys.argv[1]
dirs = DIRS
scheme, sep, rest = uri.partition('://')
rest = rest.strip('/')
if not sep or scheme not in dirs or not rest or '..' in rest.split('/'):
    sys.exit('kfpc: KFP downloads only ' + ', '.join(s + '://' for s in dirs) + ' URIs into its workspace, not ' + repr(uri))
dest = WS + '/' + dirs[scheme] + '/' + rest
if not os.path.lexists(dest):
    os.makedirs(os.path.dirname(dest), exist_ok=True)
    tmp = dest + '.kfpc-' + os.environ.get('HOSTNAME', str(os.getpid()))
    if os.path.isdir(tmp) and not os.path.islink(tmp):
        shutil.rmtree(tmp)
    elif os.path.lexists(tmp):
        os.remove(tmp)
    if os.path.isdir(src):
        shutil.copytree(src, tmp, symlinks=True)
    else:
        shutil.copyfile(src, tmp)
    try:
        os.rename(tmp, dest)
    except OSError:
        if not os.path.lexists(dest):
            raise
        shutil.rmtree(tmp) if os.path.isdir(tmp) else os.remove(tmp)
print('kfpc: ' + uri + ' is at ' + dest)
"""


def publish_program(artifacts_dir: str = workspace.ARTIFACTS) -> str:
    """The python3 source the import pod runs (`artifacts_dir`: KFP's `.artifacts` directory)."""
    source = _PUBLISH.replace("DIRS", repr(dict(sorted(workspace.DIRS.items())))).replace("WS", repr(artifacts_dir))
    assert "{{" not in source and "$" not in source
    return source


def template(image: str) -> dict:
    """The import pod: the URI arrives as a K-form parameter (escape.py), the bytes as an artifact."""
    return {
        "name": TEMPLATE,
        "inputs": {"parameters": [{"name": URI_PARAM}],
                   "artifacts": [{"name": SOURCE, "path": SOURCE_PATH, "archive": {"none": {}}}]},
        "container": {
            "image": image,
            "command": ["python3", "-c", publish_program(), SOURCE_PATH],
            "env": [{"name": escape.LBRACE_ENV, "value": "{"},
                    {"name": "KFPC_URI", "value": escape.tag(f"inputs.parameters[{escape.string_literal(URI_PARAM)}]")}],
        },
    }


def path_expression(uri: str) -> str:
    """expr-lang text of the workspace path of a URI known only at run time (plan/workspace.py's rule)."""
    text = uri
    for scheme, directory in sorted(workspace.DIRS.items()):
        text = f"sprig.regexReplaceAll('^{scheme}://', {text}, '{directory}/')"
    return f"{escape.string_literal(workspace.ARTIFACTS + '/')} + {text}"
