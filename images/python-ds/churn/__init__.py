"""The running example of the course: will a customer of a small streaming service cancel?

- `churn.data`: customers made up deterministically (no download), with a churn label.
- ``python -m churn.train``: fit a model, print its scores, save it to a file.
- ``python -m churn.serve``: an HTTP model server with ``/health`` and ``/predict``.
- ``python -m churn.score``: score a day's customers with a saved model (the nightly job).
"""

FEATURES = ["tenure_months", "monthly_fee", "support_calls", "late_payments", "plan"]
TARGET = "churned"
