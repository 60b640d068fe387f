"""kdsutils: the helpers of the Kubernetes for Data Scientists course.

Every name copies a kubectl verb, so what you learn here works at a terminal too.

Examples:
    A lesson in a few lines::

        import kdsutils as kds
        lesson = kds.lesson("pods")             # a fresh namespace, lesson-pods
        kds.kubectl("get", "pods")              # $ kubectl get pods -n lesson-pods
        kds.apply(kds.manifests.pod("hello", kds.manifests.PYTHON_DS_IMAGE, ["python3", "-V"]))
        kds.wait("pod/hello", for_="jsonpath={.status.phase}=Succeeded")
        kds.logs("hello")                       # $ kubectl logs hello -n lesson-pods
        kds.diagnose("pod/hello")               # why is it not working?
        kds.check("pods_ex1")                   # is my exercise right?
        kds.hint("pods_ex1")                    # stuck: where to look (kds.hint("pods_ex1", 3): the command)
        lesson.cleanup()

Where things live (each at most two hops from this file):

- a lesson's namespace: `lesson` -> ``lesson.py`` (`lesson()` makes ``lesson-<name>``);
- the kubectl verbs: ``resources.py``; manifest builders: ``manifests.py``;
- exercise checks: `check` -> ``checks/_api.py``, which loads ``checks/<topic>.py`` by the
  id's prefix (``services_ex1`` -> ``checks/services.py``); hints: `hint`, same module;
- Part 3's labs: `lab` -> ``labs/__init__.py``, which loads ``labs/<topic>.py`` by the
  scenario's first word (``crashloop-job`` -> ``labs/crashloop.py``);
- diagnosis: `diagnose` -> ``diagnosis.py`` (`explain` applies the rules; a crash loop is
  ``_crash``);
- the cluster: ``cluster/__init__.py`` (the two backends' facts, `backend()`); `kds up` on
  Linux without Docker runs ``cluster/local/__init__.py`` `up()`, kind runs
  ``cluster/kind.py``;
- images: ``images.py`` (the course catalogue, from ``images/*/``); your own: `build` ->
  ``builder.py``, which also loads a course tool image on first need (`load_image`);
  pinned versions: ``versions.py``;
- the course app store (a Helm chart repository in the cluster): ``appstore/``;
- the ``kds`` command: ``cli.py``, a thin shell over ``workshop.py``, ``bundle.py``,
  ``doctor.py`` and the above; kubeconfig files and the context guard: ``kube.py``.
"""

import sys

from kdsutils import manifests
from kdsutils.builder import build, load_image
from kdsutils.checks import check, hint
from kdsutils.diagnosis import diagnose
from kdsutils.errors import KdsError
from kdsutils.labs import lab
from kdsutils.lesson import lesson
from kdsutils.resources import (
    apply,
    delete,
    events,
    exec,
    get,
    helm,
    kubectl,
    logs,
    port_forward,
    rollout_status,
    wait,
)
from kdsutils.widgets import watch


def _show_errors_plainly() -> None:
    """In a notebook, show a KdsError as its message and fix, not as a traceback into kdsutils."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is None:
        return

    def handler(shell, etype, evalue, tb, tb_offset=None):
        print(f"{etype.__name__}: {evalue}", file=sys.stderr)
        return []  # the cell still fails; only the traceback into kdsutils is left out

    shell.set_custom_exc((KdsError,), handler)


_show_errors_plainly()

__all__ = [
    "KdsError",
    "apply",
    "build",
    "check",
    "delete",
    "diagnose",
    "events",
    "exec",
    "get",
    "helm",
    "hint",
    "kubectl",
    "lab",
    "lesson",
    "load_image",
    "logs",
    "manifests",
    "port_forward",
    "rollout_status",
    "wait",
    "watch",
]
