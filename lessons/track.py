"""Train the churn model for one C and log the run to MLflow (MLFLOW_TRACKING_URI says where)."""
import argparse
import tempfile
from pathlib import Path

import mlflow
from churn import FEATURES, TARGET
from churn.data import customers
from churn.model import pipeline, save
from sklearn.metrics import accuracy_score, roc_auc_score
from sklearn.model_selection import train_test_split

parser = argparse.ArgumentParser()
parser.add_argument("--c", type=float, required=True)
parser.add_argument("--experiment", default="churn")
parser.add_argument("--run-name", default=None)
args = parser.parse_args()

data = customers(5000)
print(f"training on {len(data)} customers, {data[TARGET].mean():.1%} of them churned", flush=True)
train, test = train_test_split(data, test_size=0.25, random_state=0, stratify=data[TARGET])
mlflow.set_experiment(args.experiment)
with mlflow.start_run(run_name=args.run_name or f"c={args.c:g}"):
    mlflow.log_params({"c": args.c, "rows": len(data)})
    model = pipeline(args.c).fit(train[FEATURES], train[TARGET])
    proba = model.predict_proba(test[FEATURES])[:, 1]
    auc, accuracy = roc_auc_score(test[TARGET], proba), accuracy_score(test[TARGET], proba >= 0.5)
    mlflow.log_metrics({"auc": auc, "accuracy": accuracy})
    with tempfile.TemporaryDirectory() as folder:
        saved = Path(folder) / "churn.joblib"
        save(model, saved, c=args.c, rows=len(data), auc=round(auc, 3))
        mlflow.log_artifact(str(saved))
print(f"logged c={args.c:g} auc={auc:.3f} accuracy={accuracy:.3f} to experiment {args.experiment}", flush=True)
