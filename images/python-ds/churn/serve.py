"""Serve the churn model over HTTP: ``python -m churn.serve [--model PATH] [--host 0.0.0.0] [--port 8000]``.

- ``GET /health``: 200 with the model's facts once it is loaded (a readiness probe's target).
- ``POST /predict`` with ``{"customers": [{"tenure_months": 3, ...}, ...]}``: each customer's
  churn probability, and whether it is at or above the decision threshold.

The model comes from `--model` (a file written by ``churn.train``); without one, the server
trains a small model when it starts (regularization strength ``$C``, default 1.0, on ``$ROWS``
customers, default 2000: more rows make a slower start). It listens on every address of its
container (``--host`` or ``$HOST``, default 0.0.0.0); 127.0.0.1 would answer only callers
inside the same container. The
threshold is read on every request, from the file `--threshold-file` when it exists (a
mounted ConfigMap), else ``$THRESHOLD``, else 0.5, so a changed setting takes effect without
a restart. ``$VERSION`` names the release in replies.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pandas as pd

from churn import FEATURES
from churn.data import customers
from churn.model import load, probabilities, train_small


def threshold(path: Path | None) -> float:
    """The decision threshold: the file's number, else ``$THRESHOLD``, else 0.5."""
    if path is not None and path.is_file():
        return float(path.read_text().strip())
    return float(os.environ.get("THRESHOLD", "0.5"))


def make_handler(model: object, info: dict, threshold_file: Path | None) -> type[BaseHTTPRequestHandler]:
    """A request handler bound to one loaded model."""
    version = os.environ.get("VERSION", "v1")
    host = socket.gethostname()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, code: int, body: dict) -> None:
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            if self.path == "/health":
                self._reply(200, {"status": "ok", "version": version, "model": info})
            else:
                self._reply(404, {"error": f"no page {self.path}: try /health or POST /predict"})

        def do_POST(self) -> None:
            if self.path != "/predict":
                self._reply(404, {"error": f"no page {self.path}: POST to /predict"})
                return
            try:
                body = json.loads(self.rfile.read(int(self.headers.get("Content-Length", 0))) or b"{}")
                rows = pd.DataFrame(body["customers"])
                missing = [f for f in FEATURES if f not in rows.columns]
                if missing:
                    raise KeyError(", ".join(missing))
            except (ValueError, KeyError, TypeError) as exc:
                example = json.loads(customers(1)[FEATURES].to_json(orient="records"))[0]
                self._reply(400, {"error": f"send {{'customers': [...]}} with {FEATURES}; missing or bad: {exc}",
                                  "example": example})
                return
            cut = threshold(threshold_file)
            proba = probabilities(model, rows)
            self._reply(200, {"version": version, "served_by": host, "threshold": cut,
                              "churn_probability": proba, "will_churn": [p >= cut for p in proba]})

        def log_message(self, format: str, *args: object) -> None:
            print(f"{self.command} {self.path} -> {args[1] if len(args) > 1 else ''}", flush=True)

    return Handler


def main(argv: list[str] | None = None) -> None:
    """Load (or train) the model, then answer requests until stopped."""
    parser = argparse.ArgumentParser(prog="python -m churn.serve", description=__doc__)
    parser.add_argument("--model", type=Path, default=os.environ.get("MODEL_PATH"), help="a file from churn.train")
    parser.add_argument("--host", default=os.environ.get("HOST", "0.0.0.0"), help="the address to listen on")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--threshold-file", type=Path, default=os.environ.get("THRESHOLD_FILE"))
    args = parser.parse_args(argv)
    if args.model is not None:
        model, info = load(args.model)
        print(f"loaded the model from {args.model}", flush=True)
    else:
        model, info = train_small(float(os.environ.get("C", "1.0")), int(os.environ.get("ROWS", "2000")))
        print(f"trained a model on {info['trained_at_start_on']} customers at start (c={info['c']:g})", flush=True)
    server = ThreadingHTTPServer((args.host, args.port), make_handler(model, info, args.threshold_file))
    # As a container's first process, Python ignores SIGTERM unless told: stop at once when
    # Kubernetes asks, instead of being killed after the grace period.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    where = f"port {args.port}" if args.host == "0.0.0.0" else f"{args.host}:{args.port}"
    print(f"serving on {where}: GET /health, POST /predict", flush=True)
    server.serve_forever()


if __name__ == "__main__":
    main()
