"""Score one day's customers: ``python -m churn.score [--model PATH] [--day 2026-12-01]``.

The nightly job: the day's customers (made up deterministically from the date), scored with
a saved model; prints how many are likely to churn and, with `--out`, writes every score.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path

from churn.data import customers
from churn.model import load, probabilities, train_small


def main(argv: list[str] | None = None) -> None:
    """Score the day's customers and report."""
    parser = argparse.ArgumentParser(prog="python -m churn.score", description=__doc__)
    parser.add_argument("--model", type=Path, default=os.environ.get("MODEL_PATH"),
                        help="a file from churn.train (without one, a small model is trained first)")
    parser.add_argument("--day", default=os.environ.get("DAY") or dt.date.today().isoformat())
    parser.add_argument("--threshold", type=float, default=float(os.environ.get("THRESHOLD", "0.5")))
    parser.add_argument("--out", type=Path, help="a CSV file for every customer's score")
    args = parser.parse_args(argv)
    if args.model is None:
        model, info = train_small()
        print(f"no model file given: trained one on {info['trained_at_start_on']} customers", flush=True)
    else:
        model, _ = load(args.model)
    today = customers(200, seed=int(args.day.replace("-", "")) % 100_000)
    today["churn_probability"] = probabilities(model, today)
    at_risk = int((today["churn_probability"] >= args.threshold).sum())
    if args.out is not None:
        args.out.parent.mkdir(parents=True, exist_ok=True)
        today.drop(columns="churned").to_csv(args.out, index=False)
    print(f"scored {len(today)} customers for {args.day}: {at_risk} likely to churn (threshold {args.threshold:g})",
          flush=True)


if __name__ == "__main__":
    main()
