"""Kubernetes' own conformance tests, run against the local engine.

    python -m tests.conformance [--subset] [--procs 3] [--focus REGEX] [--out FILE]

The test program (`e2e.test`), ginkgo's parallel runner and the agnhost test server are built
from the same k8s.io/kubernetes module as the engine (``build.sh e2e``, cached by version).
No registry here serves the test images, so `build-e2e-images.sh` assembles stand-ins from
the same parts (`STAND_INS`); they are imported into containerd under the exact names the
tests ask for, so the kubelet never pulls. A test image with no stand-in is listed in the
results, and a test that failed because its Pod could not get an image is reported as not
run, never as passed.

By default every conformance test that is neither Serial nor Disruptive runs, and the
results go to ``bench/results/conformance.json``. ``--subset`` runs `SUBSET` (Pods,
Services, DNS, Deployments, Jobs: a few minutes), which `make test` runs; its results go to
``_build/conformance-subset.json``. The exit code is 1 when a test of the subset failed, or
a test of the whole suite failed for a cause not in `EXPLAINED`.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
import xml.etree.ElementTree as ET
from pathlib import Path

from kdsutils import kube
from kdsutils._run import run
from kdsutils.cluster import CONTEXTS
from kdsutils.cluster.local import containerd_socket
from kdsutils.cluster.local import images as engine_images
from kdsutils.images import REGISTRY
from kdsutils.versions import ENGINE_DIR, build_lock, cache_dir, cached_binary, versions

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results" / "conformance.json"
SUBSET_RESULTS = REPO / "_build" / "conformance-subset.json"
FOCUS = r"\[Conformance\]"
SKIP = r"\[Serial\]|\[Disruptive\]"
#: What stands in for each test image, by the image's name without registry and tag: an archive
#: of build-e2e-images.sh, or (``engine:NAME``) one of the engine's own images.
STAND_INS = {
    "agnhost": "agnhost",
    "glibc-dns-testing": "debian",  # upstream: Debian bookworm with dnsutils
    "perl": "debian",
    "nginx": "nginx",
    "nonroot": "nonroot",
    "kitten": "kitten",
    "nautilus": "nautilus",
    "busybox": "engine:busybox",
    "pause": "engine:pause",
}
#: Registries the tests name so that a pull fails: never stood in for.
MEANT_TO_FAIL = ("gcr.io/k8s-authenticated-test/", "invalid.registry.k8s.io/")
#: The short run in `make test`: the objects the course teaches, end to end through the engine.
SUBSET = (
    "[sig-node] Pods should be submitted and removed [NodeConformance] [Conformance]",
    "[sig-node] Pods should get a host IP [NodeConformance] [Conformance]",
    "[sig-storage] ConfigMap should be consumable from pods in volume [NodeConformance] [Conformance]",
    "[sig-network] Services should serve a basic endpoint from pods [Conformance]",
    "[sig-network] Services should be able to create a functioning NodePort service [Conformance]",
    "[sig-network] DNS should provide DNS for services [Conformance]",
    "[sig-apps] Deployment RollingUpdateDeployment should delete old pods and create new ones [Conformance]",
    "[sig-apps] Job should run a job to completion when tasks sometimes fail and are locally restarted "
    "[Conformance]",
)
STATES = ("passed", "failed", "not run", "interrupted", "skipped")
BUSYBOX_ENV = (
    "the test reads `sh -c env` in the busybox stand-in (Debian's busybox-static 1.35), whose shell drops "
    "variables whose names are not shell identifiers (data-1, 1-data-1) before `env` prints; the kubelet does "
    "deliver them (checked: `bash -c env` in a container prints data-1). Debian's busybox 1.37 drops them "
    "too, and upstream's busybox image cannot be built offline here"
)
#: Tests that fail on the course cluster for a cause outside the engine, by name: the cause.
EXPLAINED = {
    "[sig-architecture] Conformance Tests should have at least two untainted nodes [Conformance]":
        "the course cluster has one node by design (kind's default too); certification asks for two",
    "[sig-node] ConfigMap should be consumable via the environment [NodeConformance] [Conformance]": BUSYBOX_ENV,
    "[sig-node] ConfigMap should be consumable as environment variable names with various prefixes [Conformance]":
        BUSYBOX_ENV,
    "[sig-node] Secrets should be consumable via the environment [NodeConformance] [Conformance]": BUSYBOX_ENV,
    "[sig-node] Secrets should be consumable as environment variable names variable names with various prefixes "
    "[Conformance]": BUSYBOX_ENV,
    "[sig-node] ImageVolume should succeed with pod and pull policy of Always [LinuxOnly] "
    "[MinimumKubeletVersion:1.35] [Conformance]":
        "pull policy Always makes the kubelet ask the image's registry, and none is reachable here "
        "(the engine never pulls: its images are imported)",
}
#: Tests known to need a test image without stand-in, whose failure message does not name it.
NEEDS_IMAGE = {
    "[sig-api-machinery] Aggregator Should be able to support the 1.17 Sample API Server using the current "
    "Aggregator [LinuxOnly] [Conformance]": ("sample-apiserver", "etcd"),
    "[sig-node] Security Context when creating containers with AllowPrivilegeEscalation should not allow "
    "privilege escalation when false [LinuxOnly] [NodeConformance] [Conformance]": ("nonewprivs",),
}
#: Words in a failure that say the test's Pod never got its image.
IMAGE_TROUBLE = ("ErrImageNeverPull", "ErrImagePull", "ImagePullBackOff", "InvalidImageName")


def e2e_dir() -> Path:
    """Where ``build.sh e2e`` puts e2e.test, ginkgo and agnhost for the pinned Kubernetes."""
    return cache_dir() / "bin" / f"e2e-{versions()['kubernetes']}"


def images_dir() -> Path:
    """Where the stand-in archives are cached, keyed by the pinned version and the recipe."""
    script = (ENGINE_DIR / "build-e2e-images.sh").read_bytes()
    key = hashlib.sha256(script + versions()["kubernetes"].encode()).hexdigest()[:12]
    return cache_dir() / "images" / f"e2e-{versions()['kubernetes']}-{key}"


def build() -> Path:
    """Build the test programs and the stand-in images, unless cached; return the images' folder."""
    run(["bash", str(ENGINE_DIR / "build.sh"), "e2e"], stream=True, timeout=3600,
        fix="read the build output above; running it again resumes where it stopped")
    folder = images_dir()
    if (folder / ".done").exists():
        return folder
    with build_lock():
        if not (folder / ".done").exists():
            run(["bash", str(ENGINE_DIR / "build-e2e-images.sh"), str(folder)], stream=True, timeout=1800,
                fix="read the build output above; run it again")
            (folder / ".done").touch()
            for old in folder.parent.glob(f"e2e-{versions()['kubernetes']}-*"):
                if old != folder:
                    shutil.rmtree(old)  # an earlier recipe's archives
    return folder


def repository(ref: str) -> str:
    """An image's name without registry and tag (pure).

    Examples:
        >>> repository("registry.k8s.io/e2e-test-images/agnhost:2.63.0")
        'agnhost'
        >>> repository("registry.k8s.io/pause:3.10.2")
        'pause'
    """
    return ref.rsplit("/", 1)[-1].split(":", 1)[0]


def plan_images(listed: list[str]) -> tuple[dict[str, str], list[str]]:
    """Which stand-in each listed test image gets, and the images without one (pure).

    Images the tests expect to fail to pull (`MEANT_TO_FAIL`) are in neither.

    Examples:
        >>> plan_images(["registry.k8s.io/e2e-test-images/agnhost:2.55", "registry.k8s.io/etcd:3.6.8-0",
        ...              "gcr.io/k8s-authenticated-test/agnhost:2.6"])
        ({'registry.k8s.io/e2e-test-images/agnhost:2.55': 'agnhost'}, ['registry.k8s.io/etcd:3.6.8-0'])
    """
    wanted = [ref for ref in listed if not ref.startswith(MEANT_TO_FAIL)]
    planned = {ref: STAND_INS[repository(ref)] for ref in wanted if repository(ref) in STAND_INS}
    return planned, [ref for ref in wanted if ref not in planned]


def listed_images() -> list[str]:
    """The images the e2e program may ask for (``e2e.test --list-images``)."""
    out = run([str(e2e_dir() / "e2e.test"), "--list-images"], timeout=120).stdout
    return sorted({line.strip() for line in out.splitlines() if re.match(r"^\S+/\S+:\S+$", line.strip())})


def load(planned: dict[str, str], folder: Path) -> None:
    """Import each stand-in unless containerd holds it, and tag it with every test image name it stands for.

    build-e2e-images.sh names each stand-in ``kds.invalid/e2e-NAME:<folder's name>``.
    """
    ctr = [str(cached_binary("ctr")), "--address", str(containerd_socket()), "-n", "k8s.io"]
    present = engine_images.imported(containerd_socket())
    sources = {}
    for name in sorted(set(planned.values())):
        if name.startswith("engine:"):
            sources[name] = engine_images.reference(name.removeprefix("engine:"))
            continue
        sources[name] = f"{REGISTRY}/e2e-{name}:{folder.name}"
        if sources[name] not in present:
            run([*ctr, "images", "import", str(folder / f"{name}.tar")], timeout=600)
    for ref, name in planned.items():
        run([*ctr, "images", "tag", "--force", sources[name], ref], timeout=60)


def read_report(path: Path) -> list[dict]:
    """Each test the run chose, from the e2e program's JUnit report: name, state, seconds, message.

    Ginkgo lists every test, those the focus left out as "skipped" with no reason; they are
    dropped, and so is the ``[It]`` before each name. A failed suite setup is kept, under its
    node's name (``[SynchronizedBeforeSuite]``).
    """
    cases = []
    for case in ET.parse(path).getroot().iter("testcase"):
        name = case.get("name", "")
        skipped, problem = case.find("skipped"), case.find("failure")
        if problem is None:
            problem = case.find("error")
        if skipped is not None and (skipped.get("message") or "skipped") == "skipped":
            continue
        if not name.startswith("[It]") and problem is None:
            continue
        if problem is not None:
            state = "interrupted" if problem.get("type") in ("interrupted", "aborted") else "failed"
            message = problem.get("message") or problem.text or ""
        elif skipped is not None:
            state, message = "skipped", (skipped.get("message") or "").removeprefix("skipped - ")
        else:
            state, message = "passed", ""
        cases.append({"name": name.removeprefix("[It] "), "state": state,
                      "seconds": round(float(case.get("time") or 0), 1), "message": message.strip()})
    return cases


def classify(cases: list[dict], missing: list[str]) -> list[dict]:
    """Mark failures that needed an image we lack as not run, and give the others their known cause (pure).

    A failure is "not run" when its Pod never got its image (the message says so) or when the
    test is known to need an image without stand-in (`NEEDS_IMAGE`); the reason names the
    image. Any other failure gets its cause from `EXPLAINED`, or None: unexplained.

    Examples:
        >>> classify([{"name": "t", "state": "failed", "message": "pod p: ErrImageNeverPull"}], [])[0]["state"]
        'not run'
        >>> classify([{"name": "t", "state": "failed", "message": "expected 2, got 1"}], [])[0]["cause"] is None
        True
    """
    out = []
    for case in cases:
        case = dict(case)
        if case["state"] == "failed":
            needed = [ref for ref in missing if repository(ref) in NEEDS_IMAGE.get(case["name"], ())]
            lacking = needed or [ref for ref in missing if ref in case["message"]]
            if needed or any(word in case["message"] for word in IMAGE_TROUBLE):
                case["state"] = "not run"
                case["reason"] = (f"needs {', '.join(lacking)}, which no stand-in provides" if lacking
                                  else EXPLAINED.get(case["name"], "a test image could not be used"))
            else:
                case["cause"] = EXPLAINED.get(case["name"])
        out.append(case)
    return out


def focus_of(names: tuple[str, ...]) -> str:
    """A ginkgo focus that picks exactly these tests (pure).

    Ginkgo matches it against the suite's name and the test's, so each name is anchored at its end only.

    Examples:
        >>> print(focus_of(("[sig-x] a [Conformance]",)))
        \\[sig\\-x\\]\\ a\\ \\[Conformance\\]$
    """
    return "|".join(f"{re.escape(name)}$" for name in names)


def run_suite(focus: str, skip: str, procs: int, minutes: int, report_dir: Path, log: Path) -> int:
    """Run the chosen tests with ginkgo's parallel runner; the JUnit report lands in `report_dir`."""
    folder = e2e_dir()
    args = [
        str(folder / "ginkgo"), f"--procs={procs}", f"--focus={focus}", f"--skip={skip}", f"--timeout={minutes}m",
        "--no-color", "--succinct", str(folder / "e2e.test"), "--",
        f"--kubeconfig={kube.kubeconfig_path()}", f"--context={CONTEXTS['local']}", "--provider=skeleton",
        f"--report-dir={report_dir}", "--e2e-output-dir", str(report_dir), "--dump-logs-on-failure=false",
    ]
    print("$ " + " ".join(args), flush=True)
    with log.open("w") as out:
        return subprocess.run(args, stdout=out, stderr=subprocess.STDOUT, cwd=report_dir, check=False).returncode


def summary(cases: list[dict], missing: list[str], planned: dict[str, str], seconds: float, procs: int,
            focus: str, skip: str) -> dict:
    """The results file's content (pure)."""
    counts = {state: sum(1 for c in cases if c["state"] == state) for state in STATES}
    return {
        "kubernetes": versions()["kubernetes"],
        "command": "make conformance" if focus == FOCUS else "make conformance CONFORMANCE=--subset",
        "focus": focus, "skip": skip, "procs": procs, "minutes": round(seconds / 60, 1),
        "counts": counts,
        "failed": [{**c, "message": c["message"][:1500]} for c in cases if c["state"] == "failed"],
        "unexplained": [c["name"] for c in cases if c["state"] == "failed" and not c.get("cause")],
        "interrupted": [c["name"] for c in cases if c["state"] == "interrupted"],
        "not_run": [{"name": c["name"], "reason": c["reason"]} for c in cases if c["state"] == "not run"],
        "skipped": [{"name": c["name"], "message": c["message"]} for c in cases if c["state"] == "skipped"],
        "passed": sorted(c["name"] for c in cases if c["state"] == "passed"),
        "stand_ins": planned,
        "images_without_stand_in": missing,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subset", action="store_true", help="only the short run of make test")
    parser.add_argument("--focus", help="a ginkgo focus regex (default: every conformance test)")
    parser.add_argument("--procs", type=int, default=3, help="tests at once (default 3)")
    parser.add_argument("--out", type=Path, help="where the results go")
    parser.add_argument("--minutes", type=int, default=240, help="stop the run after this long (default 240)")
    args = parser.parse_args(argv)
    focus = focus_of(SUBSET) if args.subset else args.focus or FOCUS
    out = (args.out or (SUBSET_RESULTS if args.subset else RESULTS)).resolve()

    folder = build()
    planned, missing = plan_images(listed_images())
    load(planned, folder)
    with tempfile.TemporaryDirectory(prefix="kds-conformance-") as tmp:
        report_dir = Path(tmp)
        log = REPO / "_build" / ("conformance-subset.log" if args.subset else "conformance.log")
        log.parent.mkdir(exist_ok=True)
        start = time.monotonic()
        code = run_suite(focus, SKIP, args.procs, args.minutes, report_dir, log)
        seconds = time.monotonic() - start
        reports = sorted(report_dir.glob("junit*.xml"))
        if not reports:
            print(log.read_text()[-4000:])
            print(f"conformance: ginkgo exited with {code} and wrote no report (log: {log})")
            return 1
        cases = classify([case for path in reports for case in read_report(path)], missing)
    result = summary(cases, missing, planned, seconds, args.procs, focus, SKIP)
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    counts = result["counts"]
    print("conformance: " + ", ".join(f"{counts[state]} {state}" for state in STATES)
          + f" in {result['minutes']} min ({out.relative_to(REPO)}; log {log.relative_to(REPO)})")
    for case in result["failed"]:
        print(f"  FAILED {case['name']}\n    cause: {case['cause'] or 'UNEXPLAINED: ' + case['message'][:400]}")
    for case in result["not_run"]:
        print(f"  NOT RUN {case['name']}\n    {case['reason']}")
    if not cases:
        print("conformance: no test ran: the focus matched nothing")
        return 1
    # The subset must pass; the whole suite may only fail for the causes in EXPLAINED.
    return 1 if (result["failed"] if args.subset else result["unexplained"]) else 0


if __name__ == "__main__":
    sys.exit(main())
