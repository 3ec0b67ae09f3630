"""Checkpoints: every scored step of a search, kept on disk as it completes.

A checkpoint is one file: a header that describes the search, then one frame
per scored step (its record, the fitted model, and the unit-cube vector of the
model's configuration). Each frame carries its length and a CRC32, and is
flushed and fsynced before the next is written, so a crash in the middle of a
write leaves a torn last frame that is detected and dropped, never a corrupt
earlier one.

Checkpoints hold pickled estimators: load only checkpoints you trust.
"""

from __future__ import annotations

import os
import pickle
import struct
import zlib
from dataclasses import asdict

import cloudpickle

from .results import Record

__all__ = ["Checkpoint", "CheckpointMismatch"]

_MAGIC = b"HBSEARCH CHECKPOINT 1\n"
_FRAME = struct.Struct("<QI")  # payload length, CRC32 of the payload


class CheckpointMismatch(ValueError):
    """The checkpoint was written by a search with other settings, data or version.

    Examples
    --------
    >>> issubclass(CheckpointMismatch, ValueError)
    True
    """


def _frame(obj) -> bytes:
    # cloudpickle, as Dask: a locally defined estimator class or a lambda
    # parameter value is saved too (its pickle loads with the standard library).
    payload = cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _FRAME.pack(len(payload), zlib.crc32(payload)) + payload


def _read_frames(handle):
    """Yield ``(end_offset, object)`` for each intact frame, stopping at a torn one."""
    while True:
        head = handle.read(_FRAME.size)
        if len(head) < _FRAME.size:
            return
        length, crc = _FRAME.unpack(head)
        payload = handle.read(length)
        if len(payload) < length or zlib.crc32(payload) != crc:
            return
        yield handle.tell(), pickle.loads(payload)


class Checkpoint:
    """The steps of one search saved in ``path``.

    Use :meth:`open`: it creates the file, or reads the steps already saved
    after checking that the file was written by the same search.

    Attributes
    ----------
    header : dict
        What the search was: settings, data, version, and the seeds it drew.
    steps : dict
        ``(model, partial_fit_calls) -> (Record, fitted model)`` for every step saved.
    vectors : dict
        ``model -> vector`` of its configuration, for every model with a step saved.

    Examples
    --------
    >>> import os, tempfile
    >>> from hbsearch.results import Record
    >>> path = os.path.join(tempfile.mkdtemp(), "search.ckpt")
    >>> with Checkpoint.open(path, {"search": "demo"}, compare=("search",)) as ckpt:
    ...     ckpt.save(Record(0, 1, 0.5, 0.01, 0.01, 0.1), model="a fitted model")
    >>> with Checkpoint.open(path, {"search": "demo"}, compare=("search",)) as ckpt:
    ...     sorted(ckpt.steps)
    [(0, 1)]
    """

    def __init__(self, path, header: dict, steps: dict, handle, vectors=None, configuration=None):
        self.path = path
        self.header = header
        self.steps = steps
        self.vectors = vectors if vectors is not None else {}
        self._configuration = configuration
        self._handle = handle

    @staticmethod
    def saved_seeds(path) -> list | None:
        """The seeds saved in the checkpoint at ``path``, or None if there is none."""
        path = os.fspath(path)
        if not os.path.exists(path):
            return None
        with open(path, "rb") as handle:
            if handle.read(len(_MAGIC)) != _MAGIC:
                return None
            for _, header in _read_frames(handle):
                return header.get("seeds")
        return None

    @classmethod
    def open(cls, path, header: dict, compare: tuple, configuration=None) -> Checkpoint:
        """Open ``path`` for a search described by ``header``.

        ``configuration(model)``, if given, is the vector of a model's
        configuration, saved with each of its steps. A new file gets
        ``header``. An existing one must have been written by a
        search whose header agrees on every key of ``compare``; otherwise
        :class:`CheckpointMismatch` is raised and the file is left as it was.
        Its saved ``header`` (with its seeds) is the one kept.
        """
        path = os.fspath(path)
        if not os.path.exists(path):
            tmp = f"{path}.tmp-{os.getpid()}"
            with open(tmp, "wb") as handle:
                handle.write(_MAGIC + _frame(header))
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)  # the file appears whole, or not at all
        with open(path, "rb") as handle:
            if handle.read(len(_MAGIC)) != _MAGIC:
                raise CheckpointMismatch(f"checkpoint={path!r} is not an hbsearch checkpoint file.")
            frames = _read_frames(handle)
            try:
                end, saved = next(frames)
            except StopIteration:
                raise CheckpointMismatch(f"checkpoint={path!r} has no readable header.") from None
            for key in compare:
                if saved.get(key) != header.get(key):
                    raise CheckpointMismatch(
                        f"checkpoint={path!r} was written by a different search: its {key} "
                        f"is {saved.get(key)!r}, this search's is {header.get(key)!r}. "
                        "Use another path, or delete the file to start afresh."
                    )
            steps, vectors = {}, {}
            for end, (fields, model, vector) in frames:  # noqa: B007 (end: where the intact frames stop)
                record = Record(**fields)
                steps[(record.model, record.partial_fit_calls)] = (record, model)
                if vector is not None:
                    vectors[record.model] = vector
        handle = open(path, "r+b")
        # Drop a torn frame left by a crash, so new frames follow intact ones.
        handle.truncate(end)
        handle.seek(end)
        return cls(path, saved, steps, handle, vectors, configuration)

    def save(self, record: Record, model) -> None:
        """Append one scored step, durably, before returning."""
        vector = self._configuration(record.model) if self._configuration is not None else None
        self._handle.write(_frame((asdict(record), model, vector)))
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
