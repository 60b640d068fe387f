"""Train the churn model: ``python -m churn.train [--c 1.0] [--rows 5000] [--out model.joblib]``.

Prints one line of scores (``accuracy=0.812 auc=0.801``) that a notebook can read from the
logs, and saves the fitted model when `--out` is given. ``--rows`` makes the data bigger, for
a pandas step that needs real memory.
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split

from churn import FEATURES, TARGET
from churn.data import customers
from churn.model import pipeline, save


def main(argv: list[str] | None = None) -> None:
    """Fit, score and optionally save the model."""
    parser = argparse.ArgumentParser(prog="python -m churn.train", description=__doc__)
    parser.add_argument("--c", type=float, default=float(os.environ.get("C", "1.0")), help="regularization strength")
    parser.add_argument("--rows", type=int, default=int(os.environ.get("ROWS", "5000")), help="customers to train on")
    parser.add_argument("--out", type=Path, default=os.environ.get("MODEL_PATH"), help="where to save the model")
    args = parser.parse_args(argv)
    data = customers(args.rows)
    print(f"training on {len(data)} customers, {data[TARGET].mean():.1%} of them churned", flush=True)
    train, test = train_test_split(data, test_size=0.25, random_state=0, stratify=data[TARGET])
    model = pipeline(args.c).fit(train[FEATURES], train[TARGET])
    proba = model.predict_proba(test[FEATURES])[:, 1]
    accuracy = accuracy_score(test[TARGET], proba >= 0.5)
    auc = roc_auc_score(test[TARGET], proba)
    if args.out is not None:
        save(model, args.out, c=args.c, rows=args.rows, auc=round(auc, 3))
        print(f"saved the model to {args.out}", flush=True)
    print(f"c={args.c:g} accuracy={accuracy:.3f} auc={auc:.3f}", flush=True)


if __name__ == "__main__":
    main()
