"""Talking to a JupyterHub from Python, as a person in a browser would (lesson 21).

A hub's web pages are thin over its REST API: the login form sets a cookie, the "Start My
Server" button is ``POST /hub/api/users/<name>/server``, and a notebook cell is a message to a
kernel over a WebSocket. `sign_in`, `start_server`, `stop_server` and `run_code` do what the
buttons do, each in a few requests, and print the requests they make (as the kubectl helpers
print commands); `hub_version` waits until the hub answers. The same requests work with curl and
a token: ``curl -X POST -H "Authorization: token $TOKEN" http://localhost:8000/hub/api/users/alice/server``.

Examples:
    >>> token = sign_in("http://127.0.0.1:8000", "alice", "team-password")  # doctest: +SKIP
    >>> print(run_code("http://127.0.0.1:8000", token, "alice", "print(1 + 1)"))  # doctest: +SKIP
    2
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from typing import Any

import requests
import websocket

from kdsutils.errors import KdsError

Progress = Callable[[str], None]


def hub_version(hub_url: str, *, timeout: float = 60) -> str:
    """Wait until the hub answers through its proxy, and return its version.

    Right after an install or an upgrade the Pods are ready a moment before every route to them
    is: the hub's API (``/hub/api``, which needs no sign-in) is asked again until it answers.

    Raises:
        KdsError: when it has not answered within `timeout` seconds (with what was seen).
    """
    deadline = time.monotonic() + timeout
    seen = "no answer yet"
    while time.monotonic() < deadline:
        try:
            answer = requests.get(f"{hub_url}/hub/api", timeout=5)
            if answer.status_code == 200:
                return answer.json()["version"]
            seen = f"HTTP {answer.status_code}"
        except requests.RequestException as error:
            seen = type(error).__name__
        time.sleep(0.5)
    raise KdsError(
        f"The hub at {hub_url} did not answer within {timeout:.0f} s (last: {seen}).",
        fix="look at the hub: kubectl logs deployment/<release>-jupyterhub-hub, and kds.diagnose on its Pod",
    )


def sign_in(hub_url: str, user: str, password: str, *, timeout: float = 30, progress: Progress = print) -> str:
    """Sign in to a JupyterHub as `user` through its login form, and return an API token for them.

    Args:
        hub_url: Where the hub answers, such as ``http://127.0.0.1:8000``.
        user: The user name typed into the form.
        password: The password typed into the form.
        timeout: Seconds to wait for each request.
        progress: Where the requests are printed.

    Returns:
        A token that acts as `user` (header ``Authorization: token <token>``), valid for an hour.

    Raises:
        KdsError: when the hub refuses the password, or does not answer as a hub.
    """
    hub_version(hub_url, timeout=timeout)
    progress(f"POST /hub/login (user name {user} and the password), then POST /hub/api/users/{user}/tokens")
    session = requests.Session()
    session.get(f"{hub_url}/hub/login", timeout=timeout).raise_for_status()
    form = {"username": user, "password": password, "_xsrf": session.cookies.get("_xsrf", "")}
    answer = session.post(f"{hub_url}/hub/login", data=form, allow_redirects=False, timeout=timeout)
    if answer.status_code == 403:
        raise KdsError(
            f"The hub at {hub_url} did not sign in {user!r} (HTTP 403): the password is not the one the hub "
            "was installed with.",
            fix="read the release's password: kubectl get secret <release>-jupyterhub "
            "-o jsonpath='{.data.password}' | base64 -d",
        )
    if answer.status_code != 302:
        raise KdsError(f"The hub at {hub_url} answered the login form with HTTP {answer.status_code}.",
                       fix="look at the hub's log: kubectl logs deployment/<release>-jupyterhub-hub")  # fmt: skip
    headers = {"X-XSRFToken": session.cookies.get("_xsrf", "")}
    answer = session.post(
        f"{hub_url}/hub/api/users/{user}/tokens",
        headers=headers,
        json={"note": "kdsutils.jupyter.sign_in", "expires_in": 3600},
        timeout=timeout,
    )
    answer.raise_for_status()
    return answer.json()["token"]


def _server(hub_url: str, headers: dict[str, str], user: str, timeout: float) -> dict[str, Any]:
    """The hub's record of `user`'s default server ({} when none is running or starting)."""
    answer = requests.get(f"{hub_url}/hub/api/users/{user}", headers=headers, timeout=timeout)
    if answer.status_code in (401, 403):
        raise KdsError(f"The hub refused the token for {user} (HTTP {answer.status_code}): it is another user's, "
                       "or it expired (sign_in's tokens last an hour).", fix=f"sign in again: sign_in(hub, {user!r}, "
                       "password)")  # fmt: skip
    answer.raise_for_status()
    return answer.json()["servers"].get("", {})


def start_server(
    hub_url: str, token: str, user: str, *, timeout: float = 120, progress: Progress = print
) -> float:
    """Press "Start My Server" for `user` (``POST /hub/api/users/<user>/server``) and wait until it is ready.

    A server that is still starting or stopping (after a hub restart, say) is waited for first.

    Args:
        hub_url: Where the hub answers, such as ``http://127.0.0.1:8000``.
        token: A token of `user` (from `sign_in`).
        user: Whose server to start.
        timeout: Seconds to wait for the server to be ready.
        progress: Where the requests are printed.

    Returns:
        The seconds it took, from the request to a ready server.

    Raises:
        KdsError: when the server is not ready in time (its Pod, ``jupyter-<user>``, says why).
    """
    headers = {"Authorization": f"token {token}"}
    started = time.monotonic()
    hub_version(hub_url, timeout=timeout)  # right after an upgrade, the new hub's route comes a moment later
    progress(f"POST /hub/api/users/{user}/server, then GET /hub/api/users/{user} until it is ready")
    while time.monotonic() - started < timeout:
        server = _server(hub_url, headers, user, timeout)
        if server.get("ready"):
            return time.monotonic() - started
        if not server:  # not running, not starting: press the button
            answer = requests.post(f"{hub_url}/hub/api/users/{user}/server", headers=headers, timeout=timeout)
            if answer.status_code not in (201, 202, 400):  # 400: a start or a stop is under way
                answer.raise_for_status()
        time.sleep(0.5)
    raise KdsError(
        f"{user}'s server was not ready within {timeout:.0f} s.",
        fix=f"ask its Pod why, in the hub's namespace: kubectl describe pod jupyter-{user} (or "
        f"kds.diagnose('pod/jupyter-{user}')); once the hub has given up and removed it, kubectl get events",
    )


def stop_server(hub_url: str, token: str, user: str, *, timeout: float = 120, progress: Progress = print) -> None:
    """Press "Stop My Server" for `user` (``DELETE /hub/api/users/<user>/server``) and wait until it has stopped.

    A server that is still starting is waited for first. Its claim, and the files on it, stay.
    """
    headers = {"Authorization": f"token {token}"}
    deadline = time.monotonic() + timeout
    hub_version(hub_url, timeout=timeout)
    progress(f"DELETE /hub/api/users/{user}/server, then GET /hub/api/users/{user} until it has stopped")
    while server := _server(hub_url, headers, user, timeout):
        if time.monotonic() > deadline:
            raise KdsError(
                f"{user}'s server did not stop within {timeout:.0f} s (it is {server.get('pending') or 'running'}).",
                fix="look at the hub's log: kubectl logs deployment/<release>-jupyterhub-hub",
            )
        if not server.get("pending"):
            answer = requests.delete(f"{hub_url}/hub/api/users/{user}/server", headers=headers, timeout=timeout)
            if answer.status_code not in (202, 204, 400):  # 400: a start or a stop is under way
                answer.raise_for_status()
        time.sleep(0.5)


def _message(code: str, session: str) -> dict[str, Any]:
    """The kernel message a notebook cell sends (Jupyter's messaging protocol, version 5.3)."""
    return {
        "header": {
            "msg_id": uuid.uuid4().hex,
            "session": session,
            "username": "kdsutils",
            "msg_type": "execute_request",
            "version": "5.3",
            "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        },
        "parent_header": {},
        "metadata": {},
        "content": {
            "code": code,
            "silent": False,
            "store_history": False,
            "user_expressions": {},
            "allow_stdin": False,
            "stop_on_error": True,
        },
        "channel": "shell",
        "buffers": [],
    }


def _collect(ws: websocket.WebSocket, msg_id: str, deadline: float) -> str:
    """What the kernel printed for one request, read until it goes idle again."""
    printed: list[str] = []
    while time.monotonic() < deadline:
        ws.settimeout(max(0.1, deadline - time.monotonic()))
        reply = json.loads(ws.recv())
        if reply.get("parent_header", {}).get("msg_id") != msg_id:
            continue
        kind, content = reply["msg_type"], reply["content"]
        if kind == "stream":
            printed.append(content["text"])
        elif kind in ("execute_result", "display_data"):
            printed.append(content["data"].get("text/plain", "") + "\n")
        elif kind == "error":
            raise KdsError(
                f"The code raised {content['ename']}: {content['evalue']}",
                fix="the error happened in the user's server: fix the code and run it again",
            )
        elif kind == "status" and content["execution_state"] == "idle":
            return "".join(printed)
    raise KdsError("The kernel did not finish in time.", fix="run shorter code, or pass a larger timeout=")


def run_code(
    hub_url: str, token: str, user: str, code: str, *, timeout: float = 60, progress: Progress = print
) -> str:
    """Run Python `code` in a new kernel of `user`'s server, as a notebook cell would, and return its output.

    Args:
        hub_url: Where the hub answers, such as ``http://127.0.0.1:8000``.
        token: A token of `user` (from `sign_in`).
        user: Whose server runs the code; it must be running.
        code: The cell's source.
        timeout: Seconds the kernel may take to start and run the code.
        progress: Where the requests are printed.

    Returns:
        What the cell printed, and its last expression's value, as text.

    Raises:
        KdsError: when the server is not running, or the code raises (with its error).
    """
    headers = {"Authorization": f"token {token}"}
    server = f"{hub_url}/user/{user}"
    progress(f"POST /user/{user}/api/kernels, the cell over the kernel's WebSocket, then DELETE the kernel")
    answer = requests.post(f"{server}/api/kernels", headers=headers, json={"name": "python3"}, timeout=timeout)
    if answer.status_code != 201:
        raise KdsError(
            f"{user}'s server did not start a kernel (HTTP {answer.status_code}): it is probably not running.",
            fix=f"start it: POST {hub_url}/hub/api/users/{user}/server, and wait until it is ready",
        )
    kernel = answer.json()["id"]
    deadline = time.monotonic() + timeout
    ws_url = f"{server.replace('http', 'ws', 1)}/api/kernels/{kernel}/channels"
    ws = websocket.create_connection(ws_url, header=[f"Authorization: token {token}"], timeout=timeout)
    try:
        request = _message(code, session=uuid.uuid4().hex)
        ws.send(json.dumps(request))
        return _collect(ws, request["header"]["msg_id"], deadline)
    finally:
        ws.close()
        requests.delete(f"{server}/api/kernels/{kernel}", headers=headers, timeout=timeout)
