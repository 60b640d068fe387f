"""The model: a scikit-learn pipeline, and how it is saved and loaded."""

from __future__ import annotations

from pathlib import Path

import joblib
import pandas as pd
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

from churn import FEATURES, TARGET
from churn.data import customers

NUMERIC = [f for f in FEATURES if f != "plan"]


def pipeline(c: float = 1.0) -> Pipeline:
    """Scale the numbers, one-hot encode the plan, then a logistic regression with strength `c`."""
    prepare = ColumnTransformer([("num", StandardScaler(), NUMERIC), ("plan", OneHotEncoder(), ["plan"])])
    return Pipeline([("prepare", prepare), ("model", LogisticRegression(C=c, max_iter=1000))])


def save(model: Pipeline, path: Path, **info: object) -> None:
    """Write the fitted model, with a few facts about it, to `path` (folders are created)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    joblib.dump({"model": model, "info": info}, path)


def load(path: Path) -> tuple[Pipeline, dict]:
    """Read a model written by `save`; return it and its facts."""
    saved = joblib.load(path)
    return saved["model"], saved["info"]


def probabilities(model: Pipeline, rows: pd.DataFrame) -> list[float]:
    """The churn probability of each row, rounded to three places."""
    return [round(float(p), 3) for p in model.predict_proba(rows[FEATURES])[:, 1]]


def train_small(c: float = 1.0, rows: int = 2000) -> tuple[Pipeline, dict]:
    """Fit a quick model on `rows` customers, for a server or a scorer started without a model file."""
    data = customers(rows)
    return pipeline(c).fit(data[FEATURES], data[TARGET]), {"trained_at_start_on": rows, "c": c}
