"""`kds.build` on the live cluster: a learner's folder becomes an image that a Job runs.

The folder is what lesson 02 has the learner write: a train.py and a Dockerfile ``FROM`` the
course image. The image's tag is fixed and each test builds it twice: the second build replaces the
first on the node instead of piling up (local engine: the old image is removed).
The second prints a fresh token, so the Job's logs prove that it is what ran.
"""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest

from kdsutils._run import run
from kdsutils.builder import BuildError, build
from kdsutils.cluster import CONTEXTS
from kdsutils.cluster.local import containerd_socket
from kdsutils.cluster.local.images import remove_untagged
from kdsutils.kube import current_context
from kdsutils.manifests import PYTHON_DS_IMAGE

pytestmark = [pytest.mark.cluster, pytest.mark.timeout(900)]

TAG = "kds.invalid/kds-test-build:1"

TRAIN = """\
from pathlib import Path

from churn.data import customers

data = customers(500)
print(f"run {TOKEN}: {len(data)} customers in {Path.cwd()}")
print(f"churn_rate={data['churned'].mean():.3f}")
"""


def _folder(parent: Path, train: str, *extra: str) -> Path:
    folder = parent / "churn-train"
    folder.mkdir()
    (folder / "train.py").write_text(train)
    lines = [f"FROM {PYTHON_DS_IMAGE}", *extra, "COPY train.py /work/", 'CMD ["python", "train.py"]']
    (folder / "Dockerfile").write_text("\n".join(lines) + "\n")
    return folder


def test_a_folder_is_built_loaded_and_runs_as_a_job(
    ns: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    folder = _folder(tmp_path, f"TOKEN = 'an earlier build'\n{TRAIN}")
    build(folder, tag=TAG)
    token = uuid.uuid4().hex[:12]
    (folder / "train.py").write_text(f"TOKEN = {token!r}\n{TRAIN}")
    capsys.readouterr()

    assert build(folder, tag=TAG) == TAG
    if current_context() == CONTEXTS["local"]:
        assert remove_untagged(containerd_socket()) == 0, "the build removed the image the tag pointed to before"
    printed = capsys.readouterr().out.splitlines()
    assert printed[:2] == [f"$ docker build --tag {TAG} {folder}", f"$ kind load docker-image {TAG} --name kds"]

    run(["kubectl", "create", "job", "train", f"--image={TAG}", "-n", ns])
    run(["kubectl", "wait", "--for=condition=Complete", "job/train", "-n", ns, "--timeout=240s"], timeout=270)
    logs = run(["kubectl", "logs", "job/train", "-n", ns]).stdout.splitlines()
    assert logs[0] == f"run {token}: 500 customers in /work"
    assert logs[1].startswith("churn_rate=0.")
    policy = run(["kubectl", "get", "job", "train", "-n", ns, "-o",
                  "jsonpath={.spec.template.spec.containers[0].imagePullPolicy}"]).stdout  # fmt: skip
    assert policy == "IfNotPresent", "a versioned tag is used from the node's own store, never downloaded"


def test_a_failing_run_line_is_a_build_error_that_names_it(cluster: str, tmp_path: Path) -> None:
    marker = f"no-such-step-{uuid.uuid4().hex[:8]}"
    folder = _folder(tmp_path, "print('never runs')\n", f'RUN python -c "raise SystemExit(\'{marker}\')"')

    with pytest.raises(BuildError) as caught:
        build(folder, tag="kds.invalid/kds-test-build:broken")
    assert "Building kds.invalid/kds-test-build:broken failed" in caught.value.message
    assert marker in caught.value.message, "the output of the failing RUN line is shown"
    assert "RUN python -c" in caught.value.message, "the failing line itself is named"
    assert "RUN line" in caught.value.fix
