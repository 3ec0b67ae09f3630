"""Resuming from a checkpoint: the driver's jobs, with the saved ones answered from it.

:class:`Replay` stands where the driver stands. Its ``ask`` gives only the
jobs no checkpoint frame answers; a saved job is told to the driver at once,
with its saved score, and its record and model wait in :meth:`Replay.restored`
for whoever runs the jobs. The engine never learns that a checkpoint exists.
"""

from __future__ import annotations

__all__ = ["Replay"]


class Replay:
    """A driver whose jobs saved in ``steps`` are answered from them.

    Parameters
    ----------
    driver : Driver
        The search's driver.
    steps : dict
        ``(model, partial_fit_calls) -> (Record, fitted model)``: the saved steps.
    """

    def __init__(self, driver, steps: dict):
        self.driver = driver
        self._steps = steps
        self._restored: list = []

    def ask(self) -> list:
        """The jobs to run: the driver's, less those the checkpoint answers."""
        to_run = []
        while True:
            jobs = self.driver.ask()
            saved = [job for job in jobs if (job.model, job.end_calls) in self._steps]
            to_run += [job for job in jobs if (job.model, job.end_calls) not in self._steps]
            if not saved:
                return to_run
            for job in saved:
                if job.start_calls == 0:
                    self.driver.configure(job.model)  # draws as the first run drew
                record, model = self._steps[(job.model, job.end_calls)]
                self._restored.append((record, model))
                self.driver.tell(record.model, record.partial_fit_calls, record.score,
                                 failed=record.error is not None)
            # Their successors may be saved too: ask again.

    def restored(self) -> list:
        """``(record, model)`` of the saved steps told since the last call, in order."""
        restored, self._restored = self._restored, []
        return restored

    def configure(self, model: int) -> dict:
        return self.driver.configure(model)

    def tell(self, model: int, calls: int, score: float, failed: bool = False) -> None:
        self.driver.tell(model, calls, score, failed=failed)

    def pop_retired(self) -> list[int]:
        return self.driver.pop_retired()
