"""The offline bundle's promise, tried: a fresh clone installs its environment from a wheelhouse alone.

The Linux wheelhouse is made as `kds bundle` makes it (it needs the package index once, then
it is cached). A fresh clone of this repository then runs `make venv WHEELHOUSE=...` with pip's
index pointed at a closed port on loopback and its configuration files ignored, as on a
laptop at a workshop without wifi.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kdsutils import bundle
from kdsutils._run import run

REPO = Path(__file__).resolve().parents[2]
#: pip as on a laptop without wifi: its index is a closed port on loopback, no configuration file.
OFFLINE = {"PIP_INDEX_URL": "http://127.0.0.1:9/simple", "PIP_CONFIG_FILE": os.devnull, "PIP_NO_CACHE_DIR": "1"}

pytestmark = pytest.mark.timeout(1200)


def test_a_fresh_clone_installs_its_venv_from_the_linux_wheelhouse_with_no_index(tmp_path: Path) -> None:
    wheels = bundle.wheelhouse("linux-x86_64", progress=print)
    clone = tmp_path / "kds"
    run(["git", "clone", "--quiet", str(REPO), str(clone)], timeout=300)
    run(["make", "-C", str(clone), "venv", f"WHEELHOUSE={wheels}"], env=OFFLINE, timeout=1200)
    python = clone / ".venv" / "bin" / "python"
    code = "import kdsutils, pandas, kubernetes, nbval, jupyterlab; print(kdsutils.__file__)"
    imported = run([str(python), "-I", "-c", code])  # -I: not the current folder's kdsutils
    assert imported.stdout.strip().startswith(str(clone)), "the clone's own kdsutils, installed editable"
    assert "start the course cluster" in run([str(clone / ".venv" / "bin" / "kds"), "--help"]).stdout
    assert "v1.36" in run([str(clone / ".venv" / "bin" / "kubectl"), "version", "--client"]).stdout


def test_without_the_index_and_without_a_wheelhouse_the_install_fails_and_says_why(tmp_path: Path) -> None:
    empty = tmp_path / "wheels"
    empty.mkdir()
    clone = tmp_path / "kds"
    run(["git", "clone", "--quiet", str(REPO), str(clone)], timeout=300)
    failed = run(["make", "-C", str(clone), "venv", f"WHEELHOUSE={empty}"], env=OFFLINE, check=False, timeout=600)
    assert failed.returncode != 0 and "No matching distribution" in failed.stdout + failed.stderr
