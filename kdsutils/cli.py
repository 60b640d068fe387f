"""The `kds` command: a thin shell that parses arguments, calls kdsutils and prints.

    kds up [--backend kind|local]     start the course cluster (idempotent)
    kds down | delete                 stop it | stop it and wipe its data
    kds status                        backend, Kubernetes version, node, namespaces, components
    kds reset                         delete every lesson and exercise namespace, and the charts
                                      you published to the app store (keeps the cluster)
    kds doctor                        is this machine ready? (exit code 1 on any failure)
    kds workshop create NAME... | --count N | --names FILE
                                      a class on a shared cluster: a namespace, an account, a
                                      quota and a kubeconfig for each learner (idempotent)
    kds workshop status | reset | delete
                                      each learner's Pods and activity | empty every learner's
                                      namespace | remove the class
    kds workshop join FILE            (on the learner's laptop) use that kubeconfig
    kds workshop preflight            doctor plus the workshop's offline checks
    kds bundle OUT.tar                an offline bundle: the repository and the image archives
    kds build PATH -t NAME:TAG        your Dockerfile and code as an image the cluster runs

The work is done elsewhere: the cluster by its backends (`kdsutils.cluster`), the checks by
`kdsutils.doctor`, workshops by `kdsutils.workshop`, the offline bundle by `kdsutils.bundle`,
your own images by `kdsutils.builder`.
Here are only the `_cmd_*` wrappers, what `kds status` prints (`format_status`) and the plan of
`kds reset` (`namespaces_to_reset`, `plan_reset`): pure functions, unit-tested without a cluster.

Any `KdsError` is printed as its message and its fix, without a traceback, and the exit code
is 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from kdsutils import appstore, builder, bundle, workshop
from kdsutils._run import run
from kdsutils.cluster import CONTEXTS, PUBLISHED_PORTS, Status, running
from kdsutils.cluster import backend as backend_module
from kdsutils.cluster.detect import BACKENDS, choose_backend
from kdsutils.errors import KdsError
from kdsutils.kube import kubectl_json, require_course_context
from kdsutils.resources import installed_releases

LESSON_LABEL = "kds.course/lesson"
RESET_PREFIXES = ("lesson-", "exercise-")


def _progress(message: str) -> None:
    print(f"[kds] {message}", flush=True)


# ---------------------------------------------------------------- up, down, delete, status


def _refuse_beside(backend: str) -> None:
    """Refuse to start `backend` while the other backend's cluster runs: both publish the same ports.

    On localhost, the cluster already there would answer for both (the app store's 30080 and
    the lessons' NodePorts): the charts would be published to the wrong cluster.
    """
    for other in BACKENDS:
        if other != backend and running(other):
            ports = ", ".join(str(port) for port in PUBLISHED_PORTS)
            raise KdsError(
                f"The {other} cluster runs already, and it answers on localhost ports {ports}, which the "
                f"{backend} cluster would publish too: the app store and the lessons' NodePorts would reach the "
                f"{other} cluster instead.",
                fix=f"stop it first with `kds down --backend {other}`, then run `kds up --backend {backend}` again",
            )


def _cmd_up(args: argparse.Namespace) -> int:
    """Start the course cluster with the chosen backend."""
    backend = choose_backend(args.backend)
    _refuse_beside(backend)
    _progress(f"backend: {backend}")
    module = backend_module(backend)
    module.up(progress=_progress)
    appstore.up(module.CONTEXT, progress=_progress)
    _progress("next: `make lab` opens JupyterLab; `kds status` shows the cluster")
    return 0


def _cmd_down(args: argparse.Namespace) -> int:
    """Stop the course cluster (kind: delete it; local engine: keep its data)."""
    backend_module(choose_backend(args.backend)).down(progress=_progress)
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
    backend_module(backend).delete(progress=_progress)
    return 0


def format_status(
    backend: str,
    status: Status,
    *,
    version: str | None,
    nodes: list[dict],
    namespaces: list[str],
    current_context: str | None,
    app_store: str | None = None,
) -> str:
    """Render `kds status` (pure).

    Args:
        backend: "kind" or "local".
        status: The backend's ``status()``.
        version: The API server's ``gitVersion`` (None when it does not answer).
        nodes: ``kubectl get nodes -o json`` items.
        namespaces: Namespace names.
        current_context: The kubeconfig's current context.
        app_store: `kdsutils.appstore.status()`'s line (None when the cluster is down).

    Examples:
        >>> print(format_status("kind", Status(running=False), version=None, nodes=[],
        ...                     namespaces=[], current_context=None))
        backend:         kind (context kind-kds)
        running:         no (start it with `kds up`)
        current context: (none)
    """
    context = CONTEXTS[backend]
    running = "yes" if status.running else "no (start it with `kds up`)"
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
    if app_store:
        lines.append(f"app store:       {app_store}")
    if status.components:
        lines.append("components:")
        lines += [f"  {name:<24} {state or 'not running'}" for name, state in status.components.items()]
    mark = "" if current_context in (None, context) else f" (not {context}: `kubectl config use-context {context}`)"
    lines.append(f"current context: {current_context or '(none)'}{mark}")
    return "\n".join(lines)


def _cmd_status(args: argparse.Namespace) -> int:
    """Print a readable summary of the course cluster."""
    backend = choose_backend(args.backend)
    status = backend_module(backend).status()
    context = CONTEXTS[backend]
    version, nodes, namespaces = None, [], []
    if status.running:
        answer = kubectl_json(["--context", context, "version"]) or {}
        version = answer.get("serverVersion", {}).get("gitVersion")
        nodes = (kubectl_json(["--context", context, "get", "nodes"]) or {}).get("items", [])
        listed = (kubectl_json(["--context", context, "get", "namespaces"]) or {}).get("items", [])
        namespaces = [n["metadata"]["name"] for n in listed]
    current = run(["kubectl", "config", "current-context"], check=False, timeout=30).stdout.strip() or None
    print(format_status(backend, status, version=version, nodes=nodes, namespaces=namespaces, current_context=current,
                        app_store=appstore.status() if status.running else None))
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
    """Delete every lesson and exercise namespace, the Helm releases in them, and learners' charts."""
    context = require_course_context()
    listed = kubectl_json(["--context", context, "get", "namespaces"])
    if listed is None:
        raise KdsError(f"The cluster of context {context} does not answer.", fix="start it with `kds up`")
    removed = appstore.remove_learner_charts()
    if removed:
        _progress(f"removed your charts from the app store: {', '.join(removed)}")
    targets = namespaces_to_reset(listed.get("items", []))
    if not targets:
        _progress("nothing to reset: no lesson or exercise namespaces")
        return 0
    releases = {namespace: installed_releases(namespace, context) for namespace in targets}
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


# ---------------------------------------------------------------- workshop and bundle


def _cmd_workshop_create(args: argparse.Namespace) -> int:
    """Create a class: a namespace, account, quota and kubeconfig per learner."""
    names = list(args.names)
    if args.names_file:
        path = Path(args.names_file)
        if not path.is_file():
            raise KdsError(f"There is no file {path}.", fix="give a text file with one learner name per line")
        names += path.read_text().splitlines()
    workshop.create(names, count=args.count, context=args.context, output=args.output, duration=args.duration,
                    pods=args.pods, cpu=args.cpu, memory=args.memory, images=args.image,
                    progress=_progress)  # fmt: skip
    return 0


def _cmd_workshop_status(args: argparse.Namespace) -> int:
    """Show each learner's Pods, quota use and last activity."""
    rows = workshop.status(context=args.context)
    print(workshop.render_status(rows) if rows else "no learners on this cluster (`kds workshop create` makes a class)")
    return 0


def _cmd_workshop_reset(args: argparse.Namespace) -> int:
    """Empty every learner's namespace."""
    workshop.reset(args.names, context=args.context, progress=_progress)
    return 0


def _cmd_workshop_delete(args: argparse.Namespace) -> int:
    """Remove the class."""
    workshop.delete(args.names, context=args.context, progress=_progress)
    return 0


def _cmd_join(args: argparse.Namespace) -> int:
    """Merge a learner kubeconfig into the user's kubeconfig and allow its context."""
    workshop.join(args.file, progress=_progress)
    return 0


def _cmd_bundle(args: argparse.Namespace) -> int:
    """Write the offline bundle."""
    bundle.make_bundle(Path(args.out), progress=_progress)
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    """Build a learner's folder into an image and load it into the course cluster."""
    builder.build(args.path, tag=args.tag)
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
    sub.add_parser("reset", help="delete lesson namespaces, their releases, your app store charts").set_defaults(
        func=_cmd_reset
    )
    sub.add_parser("doctor", help="check this machine; exit code 1 on any failure").set_defaults(func=_cmd_doctor)

    workshop_cmd = sub.add_parser("workshop", help="run a workshop on a shared cluster")
    wsub = workshop_cmd.add_subparsers(dest="workshop_command", required=True, metavar="COMMAND")
    admin_help = "the shared cluster's admin context (default: the current course context)"
    create = wsub.add_parser("create", help="a class: namespace, account, quota and kubeconfig for each learner")
    create.add_argument("names", nargs="*", help="the learners' names: lowercase letters, digits, '-'")
    create.add_argument("--count", type=int, default=0, help="or this many learners, named 01, 02, ...")
    create.add_argument("--names", dest="names_file", metavar="FILE", help="or the names in FILE, one per line")
    create.add_argument("--context", help=admin_help)
    create.add_argument("--output", default=".", help="the folder for the kubeconfig files (default: here)")
    create.add_argument("--duration", default="48h", help="how long the tokens are valid (default: 48h)")
    create.add_argument("--pods", type=int, default=20, help="the most Pods per learner (default: 20)")
    create.add_argument("--cpu", help="a quota on each learner's CPU requests, e.g. 2 (default: none)")
    create.add_argument("--memory", help="a quota on each learner's memory requests, e.g. 4Gi (default: none; "
                        "with one, lesson 17's oversized Pod is refused instead of Pending)")  # fmt: skip
    create.add_argument("--image", action="append", default=[], metavar="NAME",
                        help="load a course tool image the learners may not load themselves, e.g. mlflow "
                        "(lab 38); repeat for more")  # fmt: skip
    create.set_defaults(func=_cmd_workshop_create)
    for verb, func, text in (("status", _cmd_workshop_status, "each learner's Pods, quota use, last activity"),
                             ("reset", _cmd_workshop_reset, "empty every learner's namespace; keep the accounts"),
                             ("delete", _cmd_workshop_delete, "remove the class, and nothing else")):  # fmt: skip
        verb_cmd = wsub.add_parser(verb, help=text)
        verb_cmd.add_argument("--context", help=admin_help)
        verb_cmd.set_defaults(func=func)
    for verb in ("reset", "delete"):
        wsub.choices[verb].add_argument("names", nargs="*", help="only these learners (default: the whole class)")
    join_cmd = wsub.add_parser("join", help="(learner) add the kubeconfig the instructor gave you")
    join_cmd.add_argument("file", help="the learner-NAME.kubeconfig file")
    join_cmd.set_defaults(func=_cmd_join)
    wsub.add_parser("preflight", help="doctor plus the workshop's offline checks, on each laptop").set_defaults(
        func=lambda args: _cmd_doctor(args, preflight=True)
    )

    bundle_cmd = sub.add_parser("bundle", help="write an offline bundle (repository + image archives)")
    bundle_cmd.add_argument("out", help="the tar file to write, e.g. kds-bundle.tar")
    bundle_cmd.set_defaults(func=_cmd_bundle)

    build_cmd = sub.add_parser("build", help="build your Dockerfile and code into an image the cluster runs")
    build_cmd.add_argument("path", help="the folder with your Dockerfile, e.g. churn-train")
    build_cmd.add_argument("-t", "--tag", required=True, help="NAME:VERSION, e.g. kds.invalid/churn-train:1")
    build_cmd.set_defaults(func=_cmd_build)
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
