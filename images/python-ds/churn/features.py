"""Build the feature table of many days: ``python -m churn.features [--days 30] [--pause 0]``.

The pandas step of the running example whose memory grows with the data: it loads each day's
customers (made up from the date, as ``churn.score`` does), keeps every day in one DataFrame,
and prints how much memory the table holds after each day, until it is done or meets its
memory limit. ``--pause`` waits between days, so you can watch it grow (``kubectl top``).
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import time

import pandas as pd

from churn.data import customers

#: The first day of the table.
FIRST_DAY = dt.date(2026, 11, 1)


def main(argv: list[str] | None = None) -> None:
    """Load the days one by one into one table, reporting its size after each."""
    parser = argparse.ArgumentParser(prog="python -m churn.features", description=__doc__)
    parser.add_argument("--days", type=int, default=int(os.environ.get("DAYS", "30")), help="days to load")
    parser.add_argument("--rows-per-day", type=int, default=100_000, help="customers on each day")
    parser.add_argument("--pause", type=float, default=float(os.environ.get("PAUSE", "0")), help="seconds between days")
    args = parser.parse_args(argv)
    table = pd.DataFrame()
    for index in range(args.days):
        day = FIRST_DAY + dt.timedelta(days=index)
        today = customers(args.rows_per_day, seed=int(day.strftime("%Y%m%d")) % 100_000)
        table = pd.concat([table, today], ignore_index=True)
        mib = table.memory_usage(deep=True).sum() / 2**20
        print(f"{day}: {len(table):,} rows, {mib:.0f} MiB", flush=True)
        time.sleep(args.pause)
    print(f"features ready: {len(table):,} rows of {args.days} days", flush=True)


if __name__ == "__main__":
    main()
