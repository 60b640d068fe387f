"""Exercise checks: `check("<exercise id>")` looks at the live cluster and says how you did.

A check never raises because an answer is wrong: it reports "Not yet", lists what is already
right and what is missing, and gives a nudge. More help comes in tiers, on request:
`hint(id)` says where to look, `hint(id, 3)` shows the command.

How it is organised:

- One module per topic, named like the part of the id before ``_ex``: ``services_ex1`` is
  checked in ``services.py``. `check` imports only that module, so a bug in one topic's
  module fails only that topic's checks, with an error that names the module.
- A module registers each checker with ``@checker("<id>", hints=(nudge, where, command))``.
  A checker is a generator: it yields ``(ok, text)`` items, phrased so that both ✔ and ✘
  read well, and may stop early when later items would make no sense.
- ``_kit.py`` holds what checkers share: the registry, `CheckResult`, the typed clients
  (``core()``, ``apps()``, ...), ``read_or_none`` and ``pod_log``.

Examples:
    >>> check("services_ex1")  # doctest: +SKIP
    ✘ Not yet: services_ex1.
      ✘ there is a Deployment named web
      Hint: A Service gives the Pods of a Deployment one stable address: ...
      More help: kds.hint('services_ex1') says where to look; kds.hint('services_ex1', 3) shows the command.
"""

from kdsutils.checks._api import check, hint
from kdsutils.checks._kit import CheckResult, checker

__all__ = ["CheckResult", "check", "checker", "hint"]
