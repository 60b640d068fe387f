"""The `kds` command: a thin shell over kdsutils.

    kds up [--backend kind|local]     start the course cluster (idempotent)
    kds down | delete                 stop it | stop it and wipe its data
    kds status                        backend, Kubernetes version, node, namespaces, components
    kds reset                         delete every lesson and exercise namespace (keeps the cluster)
    kds doctor                        is this machine ready? (exit code 1 on any failure)
    kds workshop add-learner NAME     a namespace, account and kubeconfig on a shared cluster
    kds workshop join FILE            (on the learner's laptop) use that kubeconfig
    kds workshop preflight            doctor plus the workshop's offline checks
    kds bundle OUT.tar                an offline bundle: the repository and the image archives

Any `KdsError` is printed as its message and its fix, without a traceback, and the exit code
is 1. The manifests and plans are built by pure functions, unit-tested without a cluster.
The Kubernetes client (half a second to import) is imported only by the commands that use
it, so `kds --help` answers at once.
"""

from __future__ import annotations

import argparse
import base64
import io
import json
import re
import sys
import tarfile
import tempfile
from collections.abc import Callable
from pathlib import Path
from types import ModuleType
from typing import Any

import yaml

from kdsutils._run import run
from kdsutils.cluster import kind
from kdsutils.cluster.detect import BACKENDS, choose_backend, container_engine
from kdsutils.cluster.versions import cache_dir
from kdsutils.errors import KdsError, ToolMissing

LESSON_LABEL = "kds.course/lesson"
RESET_PREFIXES = ("lesson-", "exercise-")
LEARNER_PREFIX = "learner-"
LEARNER_ACCOUNT = "learner"
WORKSHOP_CONTEXT_PREFIX = "workshop-"
Progress = Callable[[str], None]


def _progress(message: str) -> None:
    print(f"[kds] {message}", flush=True)


def _backend(name: str) -> ModuleType:
    if name == "kind":
        return kind
    from kdsutils.cluster import local

    return local


# ---------------------------------------------------------------- up, down, delete, status


def _cmd_up(args: argparse.Namespace) -> int:
    """Start the course cluster with the chosen backend."""
    backend = choose_backend(args.backend)
    _progress(f"backend: {backend}")
    _backend(backend).up(progress=_progress)
    _progress("next: `make lab` opens JupyterLab; `kds status` shows the cluster")
    return 0


def _cmd_down(args: argparse.Namespace) -> int:
    """Stop the course cluster (kind: delete it; local engine: keep its data)."""
    _backend(choose_backend(args.backend)).down(progress=_progress)
    return 0


def _cmd_delete(args: argparse.Namespace) -> int:
    """Stop the course cluster and wipe its data, after a confirmation."""
    backend = choose_backend(args.backend)
    if not args.yes:
        if not sys.stdin.isatty():
            raise KdsError(
                "`kds delete` wipes the cluster and its data, and asks first.",
                fix="run it in a terminal, or add --yes",
            )
        answer = input(f"Delete the {backend} cluster and all its data (volumes, images, etcd)? [y/N] ")
        if answer.strip().lower() not in ("y", "yes"):
            print("Nothing deleted.")
            return 0
    _backend(backend).delete(progress=_progress)
    return 0


def format_status(
    backend: str,
    status: dict,
    *,
    version: str | None,
    nodes: list[dict],
    namespaces: list[str],
    current_context: str | None,
) -> str:
    """Render `kds status` (pure).

    Args:
        backend: "kind" or "local".
        status: The backend's ``status()``: "running" and "components" ({name: pid, state or None}).
        version: The API server's ``gitVersion`` (None when it does not answer).
        nodes: ``kubectl get nodes -o json`` items.
        namespaces: Namespace names.
        current_context: The kubeconfig's current context.

    Examples:
        >>> print(format_status("kind", {"running": False, "components": {}}, version=None, nodes=[],
        ...                     namespaces=[], current_context=None))
        backend:         kind (context kind-kds)
        running:         no (start it with `kds up`)
        current context: (none)
    """
    context = kind.CONTEXT if backend == "kind" else "kds-local"
    running = "yes" if status.get("running") else "no (start it with `kds up`)"
    lines = [f"backend:         {backend} (context {context})", f"running:         {running}"]
    if version:
        lines.append(f"kubernetes:      {version}")
    for node in nodes:
        ready = next(
            (c["status"] for c in node.get("status", {}).get("conditions", []) if c["type"] == "Ready"),
            "Unknown",
        )
        lines.append(f"node:            {node['metadata']['name']} ({'Ready' if ready == 'True' else 'NotReady'})")
    if namespaces:
        lines.append(f"namespaces:      {', '.join(namespaces)}")
    components = status.get("components") or {}
    if components:
        lines.append("components:")
        for name, value in components.items():
            if value is None:
                shown = "not running"
            elif isinstance(value, int):
                shown = f"running (pid {value})"
            else:
                shown = str(value)
            lines.append(f"  {name:<24} {shown}")
    mark = "" if current_context in (None, context) else f" (not {context}: `kubectl config use-context {context}`)"
    lines.append(f"current context: {current_context or '(none)'}{mark}")
    return "\n".join(lines)


def _kubectl_json(args: list[str]) -> Any:
    proc = run(["kubectl", *args, "-o", "json"], check=False, timeout=30)
    return json.loads(proc.stdout) if proc.returncode == 0 else None


def _cmd_status(args: argparse.Namespace) -> int:
    """Print a readable summary of the course cluster."""
    backend = choose_backend(args.backend)
    status = _backend(backend).status()
    context = kind.CONTEXT if backend == "kind" else "kds-local"
    version, nodes, namespaces = None, [], []
    if status.get("running"):
        answer = _kubectl_json(["--context", context, "version"]) or {}
        version = answer.get("serverVersion", {}).get("gitVersion")
        nodes = (_kubectl_json(["--context", context, "get", "nodes"]) or {}).get("items", [])
        listed = (_kubectl_json(["--context", context, "get", "namespaces"]) or {}).get("items", [])
        namespaces = [n["metadata"]["name"] for n in listed]
    current = run(["kubectl", "config", "current-context"], check=False, timeout=30).stdout.strip() or None
    print(format_status(backend, status, version=version, nodes=nodes, namespaces=namespaces, current_context=current))
    return 0


# ---------------------------------------------------------------- reset


def namespaces_to_reset(namespaces: list[dict]) -> list[str]:
    """Pick the namespaces `kds reset` deletes: labelled ``kds.course/lesson`` or named lesson-*/exercise-*.

    Examples:
        >>> namespaces_to_reset([{"metadata": {"name": "lesson-pods"}}, {"metadata": {"name": "default"}},
        ...                      {"metadata": {"name": "demo", "labels": {"kds.course/lesson": "jobs"}}}])
        ['demo', 'lesson-pods']
    """
    chosen = [
        ns["metadata"]["name"]
        for ns in namespaces
        if LESSON_LABEL in (ns["metadata"].get("labels") or {}) or ns["metadata"]["name"].startswith(RESET_PREFIXES)
    ]
    return sorted(chosen)


def plan_reset(context: str, releases: dict[str, list[str]]) -> list[list[str]]:
    """Return the commands that reset the cluster (pure): uninstall the releases, delete the namespaces.

    Args:
        context: The kubeconfig context, passed to every command so nothing else is touched.
        releases: Helm release names per namespace to delete (an empty list when none).

    Examples:
        >>> plan_reset("kds-local", {"lesson-helm": ["web"]})  # doctest: +NORMALIZE_WHITESPACE
        [['helm', 'uninstall', 'web', '--namespace', 'lesson-helm', '--kube-context', 'kds-local'],
         ['kubectl', '--context', 'kds-local', 'delete', 'namespace', 'lesson-helm', '--wait=true',
          '--timeout=300s']]
    """
    commands = [
        ["helm", "uninstall", release, "--namespace", namespace, "--kube-context", context]
        for namespace, names in sorted(releases.items())
        for release in names
    ]
    if releases:
        commands.append(
            [
                "kubectl",
                "--context",
                context,
                "delete",
                "namespace",
                *sorted(releases),
                "--wait=true",
                "--timeout=300s",
            ]
        )
    return commands


def _cmd_reset(args: argparse.Namespace) -> int:
    """Delete every lesson and exercise namespace and the Helm releases in them."""
    from kdsutils.kube import require_course_context

    context = require_course_context()
    listed = _kubectl_json(["--context", context, "get", "namespaces"])
    if listed is None:
        raise KdsError(f"The cluster of context {context} does not answer.", fix="start it with `kds up`")
    targets = namespaces_to_reset(listed.get("items", []))
    if not targets:
        _progress("nothing to reset: no lesson or exercise namespaces")
        return 0
    releases: dict[str, list[str]] = {}
    for namespace in targets:
        try:
            out = run(["helm", "list", "--short", "--namespace", namespace, "--kube-context", context], timeout=60)
            releases[namespace] = out.stdout.split()
        except ToolMissing:
            releases[namespace] = []
    if not any(releases.values()):
        _progress("no Helm releases to uninstall")
    for command in plan_reset(context, releases):
        if command[0] == "helm":
            _progress(f"uninstalling Helm release {command[2]} in {command[4]}")
        else:
            _progress(f"deleting namespaces {', '.join(targets)} (this waits until they are gone)")
        run(command, timeout=360)
    _progress(f"reset done: the cluster {context} is as `kds up` left it")
    return 0


# ---------------------------------------------------------------- doctor


def _cmd_doctor(args: argparse.Namespace, *, preflight: bool = False) -> int:
    """Print the readiness table; exit code 1 when any check fails."""
    from kdsutils.doctor import doctor, exit_code, render

    checks = doctor(preflight=preflight)
    print(render(checks))
    code = exit_code(checks)
    if preflight:
        verdict = "READY for the workshop" if code == 0 else "NOT READY: fix the FAIL rows above"
        print(f"\n{verdict}")
    return code


# ---------------------------------------------------------------- workshop


def learner_namespace(name: str) -> str:
    """Return the namespace of a workshop learner, checking the name.

    Raises:
        KdsError: when the name is not a lowercase DNS label short enough for a namespace.

    Examples:
        >>> learner_namespace("ada")
        'learner-ada'
    """
    if not re.fullmatch(r"[a-z0-9]([-a-z0-9]*[a-z0-9])?", name) or len(LEARNER_PREFIX + name) > 63:
        raise KdsError(
            f"{name!r} cannot name a learner: it becomes part of a namespace name.",
            fix="use lowercase letters, digits and '-', at most 55 characters (e.g. `ada-l`)",
        )
    return LEARNER_PREFIX + name


def learner_manifests(name: str, *, cpu: str = "2", memory: str = "4Gi") -> list[dict]:
    """Build what one workshop learner gets (pure).

    A namespace ``learner-<name>``; a ServiceAccount ``learner`` in it; a RoleBinding to the
    built-in ``edit`` ClusterRole, limited to that namespace; a ResourceQuota (CPU and
    memory requests, pods, claims, storage; no LoadBalancers); and a LimitRange giving
    containers default requests, so pods without `resources` still fit the quota.

    Args:
        name: The learner's name (a DNS label).
        cpu: Total CPU requests allowed in the namespace.
        memory: Total memory requests allowed in the namespace.

    Examples:
        >>> [m["kind"] for m in learner_manifests("ada")]
        ['Namespace', 'ServiceAccount', 'RoleBinding', 'ResourceQuota', 'LimitRange']
    """
    namespace = learner_namespace(name)
    labels = {"kds.course/learner": name}
    meta = {"namespace": namespace, "labels": labels}
    return [
        {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": namespace, "labels": labels}},
        {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": LEARNER_ACCOUNT, **meta}},
        {
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": {"name": "learner-edit", **meta},
            "roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
            "subjects": [{"kind": "ServiceAccount", "name": LEARNER_ACCOUNT, "namespace": namespace}],
        },
        {
            "apiVersion": "v1",
            "kind": "ResourceQuota",
            "metadata": {"name": "learner-quota", **meta},
            "spec": {
                "hard": {
                    "requests.cpu": cpu,
                    "requests.memory": memory,
                    "pods": "30",
                    "persistentvolumeclaims": "5",
                    "requests.storage": "10Gi",
                    "services.loadbalancers": "0",
                }
            },
        },
        {
            "apiVersion": "v1",
            "kind": "LimitRange",
            "metadata": {"name": "learner-defaults", **meta},
            "spec": {"limits": [{"type": "Container", "defaultRequest": {"cpu": "100m", "memory": "128Mi"}}]},
        },
    ]


def learner_kubeconfig(name: str, *, server: str, ca_data: str | None, token: str, cluster: str) -> dict:
    """Build the kubeconfig a learner uses: their token, their namespace, context ``workshop-<name>`` (pure).

    Args:
        name: The learner's name.
        server: The API server URL, as the instructor's context has it.
        ca_data: The cluster CA, base64 (None when the server's certificate is publicly trusted).
        token: A ServiceAccount token from the TokenRequest API.
        cluster: A name for the cluster entry.

    Examples:
        >>> learner_kubeconfig("ada", server="https://k8s.example:6443", ca_data=None, token="t",
        ...                    cluster="workshop")["contexts"][0]["context"]
        {'cluster': 'workshop', 'user': 'learner-ada', 'namespace': 'learner-ada'}
    """
    namespace = learner_namespace(name)
    context = WORKSHOP_CONTEXT_PREFIX + name
    entry: dict[str, Any] = {"server": server}
    if ca_data:
        entry["certificate-authority-data"] = ca_data
    return {
        "apiVersion": "v1",
        "kind": "Config",
        "clusters": [{"name": cluster, "cluster": entry}],
        "users": [{"name": namespace, "user": {"token": token}}],
        "contexts": [{"name": context, "context": {"cluster": cluster, "user": namespace, "namespace": namespace}}],
        "current-context": context,
    }


def _cluster_of(context: str) -> tuple[str, str, str | None]:
    """Return (cluster name, server, CA data) of a context, from `kubectl config view`."""
    view = _kubectl_json(["config", "view", "--raw", "--minify", "--context", context])
    if not view or not view.get("clusters"):
        raise KdsError(f"No kubeconfig context named {context!r}.", fix="list them with `kubectl config get-contexts`")
    entry = view["clusters"][0]
    cluster = entry["cluster"]
    ca = cluster.get("certificate-authority-data")
    if not ca and cluster.get("certificate-authority"):
        ca = base64.b64encode(Path(cluster["certificate-authority"]).expanduser().read_bytes()).decode()
    return entry["name"], cluster["server"], ca


def _cmd_add_learner(args: argparse.Namespace) -> int:
    """Create a learner's namespace, account and quota; write their kubeconfig."""
    from kdsutils.kube import register_workshop_context, require_course_context

    namespace = learner_namespace(args.name)
    context = args.context or require_course_context()
    cluster, server, ca = _cluster_of(context)
    manifests = learner_manifests(args.name, cpu=args.cpu, memory=args.memory)
    _progress(f"creating namespace {namespace}, ServiceAccount, RoleBinding (edit) and quota on {context}")
    run(
        ["kubectl", "--context", context, "apply", "-f", "-"],
        input=json.dumps({"apiVersion": "v1", "kind": "List", "items": manifests}),
        timeout=120,
        fix="the context needs rights to create namespaces and RoleBindings (a cluster admin)",
    )
    _progress(f"requesting a token valid for {args.duration} (TokenRequest API)")
    token = run(
        [
            "kubectl",
            "--context",
            context,
            "create",
            "token",
            LEARNER_ACCOUNT,
            "--namespace",
            namespace,
            f"--duration={args.duration}",
        ],
        timeout=60,
    ).stdout.strip()
    config = learner_kubeconfig(args.name, server=server, ca_data=ca, token=token, cluster=cluster)
    out = Path(args.output or f"{namespace}.kubeconfig")
    out.write_text(yaml.safe_dump(config, sort_keys=False))
    out.chmod(0o600)
    register_workshop_context(config["current-context"])
    _progress(f"wrote {out} (context {config['current-context']}, registered as a workshop context here)")
    _progress(f"give it to {args.name}; on their laptop: `kds workshop join {out.name}`")
    return 0


def _cmd_join(args: argparse.Namespace) -> int:
    """Merge a learner kubeconfig into the user's kubeconfig and allow its context."""
    from kdsutils.cluster.local import merge_kubeconfig, user_kubeconfig_path
    from kdsutils.kube import register_workshop_context

    given = yaml.safe_load(Path(args.file).read_text())
    context = (given or {}).get("current-context", "")
    if not context.startswith(WORKSHOP_CONTEXT_PREFIX):
        raise KdsError(
            f"{args.file} is not a kubeconfig made by `kds workshop add-learner`.",
            fix="ask the instructor for your learner-<name>.kubeconfig file",
        )
    path = user_kubeconfig_path()
    existing = yaml.safe_load(path.read_text()) if path.exists() else None
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(yaml.safe_dump(merge_kubeconfig(existing, given), sort_keys=False))
    path.chmod(0o600)
    register_workshop_context(context)
    _progress(f"context {context} added to {path}, selected, and allowed for the kds helpers")
    return 0


# ---------------------------------------------------------------- bundle


def bundle_readme(contents: list[str], missing: list[str]) -> str:
    """Write the README that explains an offline bundle (pure).

    Examples:
        >>> "images/python-ds-2026.11.tar" in bundle_readme(["images/python-ds-2026.11.tar"], [])
        True
    """
    lines = [
        "kds offline bundle",
        "==================",
        "",
        "For workshops without internet. It holds:",
        "",
        "- kds/: the course repository at the commit it was made from (`git archive HEAD`)",
        "- images/: container images as docker-archive tar files, when they were available:",
        *[f"    {item}" for item in contents if item.startswith("images/")],
        "",
        "Use it:",
        "",
        "1. `tar xf BUNDLE.tar` then `cd kds-bundle`.",
        "2. `docker load -i images/<file>.tar` for each file (`podman load` with Podman).",
        "3. In kds/: `kds up`. It finds the node image and the course images already loaded, so it",
        "   builds and downloads nothing, and loads them into the kind cluster.",
        "",
        "Not included: Python packages (run `make lab` once with internet, or bring a wheelhouse),",
        "Docker itself, and the local engine (Linux without Docker builds its own with `make engine`).",
    ]
    if missing:
        lines += [
            "",
            "Missing when this bundle was made (build them first, e.g. with `kds up`):",
            *[f"- {item}" for item in missing],
        ]
    return "\n".join(lines) + "\n"


def _cached_archive(image: kind.CourseImage) -> Path | None:
    """Return the newest archive of an image in the kds cache (the local engine's or kind's)."""
    found = sorted((cache_dir() / "images").glob(f"{image.name}-{image.tag}*.tar"), key=lambda p: p.stat().st_mtime)
    return found[-1] if found else None


def _save_with_engine(engine: str | None, ref: str, dest: Path) -> bool:
    if engine is None:
        return False
    if ref == kind.NODE_TAG:  # kind pulled it by digest, which leaves it untagged: tag it to save it
        run([engine, "tag", kind.NODE_IMAGE, kind.NODE_TAG], check=False, timeout=60)
    return run([engine, "save", "--output", str(dest), ref], check=False, timeout=1800).returncode == 0


def make_bundle(out: Path, *, root: Path | None = None, progress: Progress = _progress) -> list[str]:
    """Write the offline bundle `out` (a tar file); return what it holds.

    Best effort: the repository at HEAD always; each course image from the kds cache, or
    saved from Docker/Podman; the kind node image when Docker/Podman has it.

    Examples:
        >>> make_bundle(Path("kds-bundle.tar"))  # doctest: +SKIP
        ['kds/', 'images/python-ds-2026.11.tar', ...]
    """
    root = root or kind.REPO_ROOT
    engine = container_engine()
    contents, missing = ["kds/"], []
    with tempfile.TemporaryDirectory() as tmp:
        repo_tar = Path(tmp) / "repo.tar"
        progress(f"archiving the repository at HEAD ({root})")
        git = [
            "git",
            "-C",
            str(root),
            "archive",
            "--format=tar",
            "--prefix=kds-bundle/kds/",
            "-o",
            str(repo_tar),
        ]
        run([*git, "HEAD"], timeout=300, fix="the bundle holds committed files only: commit first")
        wanted = [(f"{i.name}-{i.tag}.tar", i.ref, _cached_archive(i)) for i in kind.course_images(root)]
        wanted.append((f"kindest-node-{kind.NODE_TAG.split(':')[1]}.tar", kind.NODE_TAG, None))
        try:
            with tarfile.open(out, "w") as bundle, tarfile.open(repo_tar) as repo:
                for member in repo.getmembers():
                    bundle.addfile(member, repo.extractfile(member) if member.isfile() else None)
                for filename, ref, cached in wanted:
                    source = cached or Path(tmp) / filename
                    if cached is None:
                        progress(f"saving {ref} from {engine or 'the container engine'}")
                        if not _save_with_engine(engine, ref, source):
                            missing.append(ref)
                            continue
                    progress(f"adding {ref} ({source.stat().st_size / 1e6:.0f} MB)")
                    bundle.add(source, arcname=f"kds-bundle/images/{filename}")
                    contents.append(f"images/{filename}")
                readme = bundle_readme(contents, missing).encode()
                info = tarfile.TarInfo("kds-bundle/README.txt")
                info.size = len(readme)
                bundle.addfile(info, io.BytesIO(readme))
        except BaseException:
            out.unlink(missing_ok=True)
            raise
    for ref in missing:
        progress(f"not in the bundle: {ref} (not built, and not in Docker or Podman)")
    progress(f"wrote {out} ({out.stat().st_size / 1e6:.0f} MB); kds-bundle/README.txt explains its use")
    return [*contents, "README.txt"]


def _cmd_bundle(args: argparse.Namespace) -> int:
    """Write the offline bundle."""
    make_bundle(Path(args.out))
    return 0


# ---------------------------------------------------------------- parser and main


def build_parser() -> argparse.ArgumentParser:
    """Build the argument parser of `kds`.

    Examples:
        >>> build_parser().parse_args(["up", "--backend", "local"]).backend
        'local'
    """
    parser = argparse.ArgumentParser(prog="kds", description="The course cluster and its helpers.")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    def backend_arg(p: argparse.ArgumentParser) -> None:
        p.add_argument(
            "--backend",
            choices=BACKENDS,
            help="kind (Docker/Podman) or local (Linux); default: "
            "$KDS_BACKEND, else kind when Docker answers, else local",
        )

    up = sub.add_parser("up", help="start the course cluster (safe to run again)")
    backend_arg(up)
    up.set_defaults(func=_cmd_up)
    down = sub.add_parser("down", help="stop the course cluster (local engine: keeps its data)")
    backend_arg(down)
    down.set_defaults(func=_cmd_down)
    delete = sub.add_parser("delete", help="stop the course cluster and wipe its data")
    backend_arg(delete)
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    delete.set_defaults(func=_cmd_delete)
    status = sub.add_parser("status", help="backend, Kubernetes version, node, namespaces, components")
    backend_arg(status)
    status.set_defaults(func=_cmd_status)
    sub.add_parser("reset", help="delete every lesson/exercise namespace and its Helm releases").set_defaults(
        func=_cmd_reset
    )
    sub.add_parser("doctor", help="check this machine; exit code 1 on any failure").set_defaults(func=_cmd_doctor)

    workshop = sub.add_parser("workshop", help="run a workshop on a shared cluster")
    wsub = workshop.add_subparsers(dest="workshop_command", required=True, metavar="COMMAND")
    add = wsub.add_parser("add-learner", help="namespace, account, quota and kubeconfig for one learner")
    add.add_argument("name", help="the learner's name: lowercase letters, digits, '-'")
    add.add_argument("--context", help="the shared cluster's admin context (default: the current course context)")
    add.add_argument("--output", help="the kubeconfig file to write (default: learner-NAME.kubeconfig)")
    add.add_argument("--duration", default="48h", help="how long the token is valid (default: 48h)")
    add.add_argument("--cpu", default="2", help="CPU requests quota (default: 2)")
    add.add_argument("--memory", default="4Gi", help="memory requests quota (default: 4Gi)")
    add.set_defaults(func=_cmd_add_learner)
    join = wsub.add_parser("join", help="(learner) add the kubeconfig the instructor gave you")
    join.add_argument("file", help="the learner-NAME.kubeconfig file")
    join.set_defaults(func=_cmd_join)
    wsub.add_parser("preflight", help="doctor plus the workshop's offline checks, on each laptop").set_defaults(
        func=lambda args: _cmd_doctor(args, preflight=True)
    )

    bundle = sub.add_parser("bundle", help="write an offline bundle (repository + image archives)")
    bundle.add_argument("out", help="the tar file to write, e.g. kds-bundle.tar")
    bundle.set_defaults(func=_cmd_bundle)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run `kds`; return its exit code (0 success, 1 a failure with its fix printed, 2 bad usage).

    Examples:
        >>> main(["doctor"])  # doctest: +SKIP
        0
    """
    args = build_parser().parse_args(argv)
    try:
        return args.func(args)
    except KdsError as exc:
        print(f"kds {args.command}: {exc.message}", file=sys.stderr)
        if exc.fix:
            print(f"Fix: {exc.fix}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"kds {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
