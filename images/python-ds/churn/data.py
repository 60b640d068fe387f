"""Customers of a made-up streaming service, generated the same way on every machine.

The churn probability is a known function of the features plus noise, so a model has
something real to learn and its score is the same on every run with the same seed.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PLANS = ["basic", "standard", "premium"]


def customers(n: int = 5000, *, seed: int = 42) -> pd.DataFrame:
    """Return `n` customers with their features and whether they churned.

    Examples:
        >>> customers(3, seed=1).columns.tolist()
        ['customer_id', 'tenure_months', 'monthly_fee', 'support_calls', 'late_payments', 'plan', 'churned']
    """
    rng = np.random.default_rng(seed)
    plan = rng.choice(PLANS, size=n, p=[0.5, 0.35, 0.15])
    fee = np.select([plan == "basic", plan == "standard"], [8.99, 13.99], 19.99) + rng.normal(0, 0.5, n)
    tenure = rng.gamma(shape=2.0, scale=12.0, size=n).round().astype(int) + 1
    calls = rng.poisson(lam=1.2, size=n)
    late = rng.binomial(n=6, p=0.08, size=n)
    logit = -1.2 - 0.06 * tenure + 0.55 * calls + 0.7 * late + 0.08 * (fee - 13) + (plan == "basic") * 0.4
    churned = rng.random(n) < 1 / (1 + np.exp(-logit))
    return pd.DataFrame(
        {
            "customer_id": [f"c{seed:03d}-{i:05d}" for i in range(n)],
            "tenure_months": tenure,
            "monthly_fee": fee.round(2),
            "support_calls": calls,
            "late_payments": late,
            "plan": plan,
            "churned": churned.astype(int),
        }
    )
