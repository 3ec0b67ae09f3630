"""What a search shows while it runs: a progress bar and log lines."""

from __future__ import annotations

import math
import time

__all__ = ["Progress"]


class Progress:
    """Follows a running search record by record.

    Parameters
    ----------
    total : int
        Planned partial_fit calls: the bar's length.
    driver : Driver
        Read (never changed) for the decisions taken so far.
    log : callable
        ``log(message, *args)``, for one line per new best score and, with
        ``decisions``, one line per rung decision.
    bar : bool
        Show a ``tqdm.auto`` bar (it renders in notebooks as well as terminals).
    decisions : bool
        Log every rung decision.
    describe : callable
        ``describe(run)`` names a bracket run in log lines.
    """

    def __init__(self, total, driver, log, *, bar=False, decisions=False, describe=str):
        self.driver = driver
        self.log = log
        self.decisions = decisions
        self.describe = describe
        self.best = -math.inf
        self.calls = {}  # model -> partial_fit calls counted so far
        self.decided = {}  # bracket run index -> decisions logged so far
        self.start = time.perf_counter()
        self.bar = None
        if bar:
            from tqdm.auto import tqdm

            self.bar = tqdm(total=total, unit="call", desc="hbsearch", dynamic_ncols=True)

    def __call__(self, record) -> None:
        done = record.partial_fit_calls - self.calls.get(record.model, 0)
        self.calls[record.model] = record.partial_fit_calls
        if record.error is None and record.score > self.best:
            self.best = record.score
            self.log(
                "best score %.4f after %d partial_fit calls (%.1f s)",
                record.score,
                record.partial_fit_calls,
                time.perf_counter() - self.start,
            )
        if self.bar is not None:
            self.bar.update(done)
            if math.isfinite(self.best):
                self.bar.set_postfix(best=f"{self.best:.4g}", refresh=False)
        if self.decisions:
            self._log_decisions()

    def _log_decisions(self) -> None:
        for run in self.driver.brackets:
            seen = self.decided.get(run.index, 0)
            for k in range(seen, len(run.decisions)):
                # Promoted models show up as the next rung's members once it is decided.
                kept = len(run.rung_members[k + 1]) if k + 1 < len(run.rung_members) else len(run.members)
                finished = run.finished and k == len(run.decisions) - 1
                self.log(
                    "%s: rung at %d calls decided: %d models scored, %s",
                    self.describe(run),
                    run.decisions[k],
                    len(run.rung_members[k]),
                    "bracket finished" if finished else f"{kept} go on",
                )
            self.decided[run.index] = len(run.decisions)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()
