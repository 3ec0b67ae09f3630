"""Checkpoints: every scored step of a search, kept on disk as it completes.

A checkpoint is one file: a header that describes the search, then one frame
per scored step (its record, the fitted model, and the unit-cube vector of the
model's configuration). Each frame starts with a marker and carries its length
and a CRC32, and is flushed and fsynced before the next is written, so a crash
in the middle of a write leaves a torn last frame that is detected and
dropped, never a corrupt earlier one. A frame damaged later (a flipped bit on
disk) is found by its CRC or its impossible length; the markers let the
reader count the intact frames after it, which are dropped with a warning.

Checkpoints hold pickled estimators: load only checkpoints you trust.
"""

from __future__ import annotations

import os
import pickle
import reprlib
import struct
import warnings
import zlib
from dataclasses import asdict

import cloudpickle
from dask.base import is_dask_collection, tokenize

from .results import Record

__all__ = ["Checkpoint", "CheckpointCorrupt", "CheckpointMismatch", "data_identity"]

_VERSION = 2
_MAGIC = b"HBSEARCH CHECKPOINT %d\n" % _VERSION
_OLD_MAGIC = b"HBSEARCH CHECKPOINT "
# Marker, payload length, CRC32 of the payload.
_MARK = b"\xffHBF"
_FRAME = struct.Struct("<4sQI")


class CheckpointMismatch(ValueError):
    """The checkpoint was written by a search with other settings, data or version.

    Examples
    --------
    >>> issubclass(CheckpointMismatch, ValueError)
    True
    """


class CheckpointCorrupt(ValueError):
    """The checkpoint file is damaged where it cannot be read past.

    Examples
    --------
    >>> issubclass(CheckpointCorrupt, ValueError)
    True
    """


def data_identity(X, y) -> dict:
    """What identifies the data's values: a hash of in-memory data, the token of a dask collection.

    ``dask.base.tokenize`` hashes the bytes of NumPy, pandas and SciPy data
    (a fraction of a second for hundreds of MiB) and gives a dask
    collection's name, which is derived from its source and the operations
    on it, without computing anything.

    Examples
    --------
    >>> import numpy as np
    >>> data_identity(np.zeros(3), None) == data_identity(np.zeros(3), None)
    True
    >>> data_identity(np.zeros(3), None) == data_identity(np.ones(3), None)
    False
    """

    def identity(obj):
        if obj is None:
            return None
        if is_dask_collection(obj):
            return "dask:" + tokenize(obj)
        return tokenize(obj)

    return {"X": identity(X), "y": identity(y)}


def _frame(obj) -> bytes:
    # cloudpickle, as Dask: a locally defined estimator class or a lambda
    # parameter value is saved too (its pickle loads with the standard library).
    payload = cloudpickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    return _FRAME.pack(_MARK, len(payload), zlib.crc32(payload)) + payload


def _frame_at(handle, offset: int, size: int):
    """``(end, payload)`` of an intact frame at ``offset``, or ``(None, why)``."""
    handle.seek(offset)
    head = handle.read(_FRAME.size)
    if len(head) < _FRAME.size:
        return None, "it ends in the middle of a frame header"
    mark, length, crc = _FRAME.unpack(head)
    if mark != _MARK:
        return None, "a frame marker is missing"
    if length > size - offset - _FRAME.size:
        # Never read (nor allocate) past the file: a damaged length field can say anything.
        return None, f"a frame says it holds {length} bytes, more than the {size - offset} left in the file"
    payload = handle.read(length)
    if zlib.crc32(payload) != crc:
        return None, "a frame's checksum does not match its content"
    return handle.tell(), payload


def _intact_after(handle, offset: int, size: int) -> int:
    """How many intact frames follow a bad frame at ``offset``, found by their markers."""
    count, position, chunk = 0, offset + 1, 1 << 20
    while position < size:
        handle.seek(position)
        data = handle.read(chunk + len(_MARK))
        found = data.find(_MARK)
        if found < 0:
            position += chunk
            continue
        end, _ = _frame_at(handle, position + found, size)
        if end is None:
            position += found + 1
        else:
            count += 1
            position = end
    return count


def _read_frames(handle, path):
    """Yield ``(end_offset, object)`` for each intact frame, stopping at the first bad one.

    A bad last frame is a write cut short by a crash, dropped quietly. A bad
    frame followed by intact ones is damage: those are dropped as well, with
    a warning that counts them.
    """
    size = os.fstat(handle.fileno()).st_size
    offset = handle.tell()
    while offset < size:
        end, payload = _frame_at(handle, offset, size)
        if end is None:
            dropped = _intact_after(handle, offset, size)
            if dropped:
                warnings.warn(
                    f"checkpoint={path!r} is damaged at byte {offset}: {payload}. The steps saved "
                    f"from there on ({dropped} intact frame{'s' if dropped != 1 else ''} after the "
                    "damaged one) were dropped and will be run again. If the file was copied or "
                    "stored on unreliable media, check it; to start afresh, delete it.",
                    UserWarning,
                    stacklevel=4,
                )
            handle.seek(offset)
            return
        yield end, pickle.loads(payload)
        offset = end
        handle.seek(offset)


# How the differences in each part of the header are put in words.
_PARTS = {
    "format": "the checkpoint format",
    "hbsearch": "the hbsearch version",
    "search": "the search class",
    "settings": "",
    "estimator": "the estimator",
    "plan": "the plan",
    "configurations": "the search space",
    "data": "the data",
    "content": "the data's values",
}


def _short(value) -> str:
    text = value if isinstance(value, str) else reprlib.repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _differences(saved: dict, header: dict, compare) -> list[str]:
    """One phrase per differing item: its name, the file's value and this search's."""
    about_saved, about_now = saved.get("about", {}), header.get("about", {})
    found = []
    for key in compare:
        old, new = saved.get(key), header.get(key)
        if old == new:
            continue
        if key == "content" and saved.get("data") != header.get("data"):
            continue  # the description's difference says it already
        if key == "content":
            names = [n for n in sorted(set(old or {}) | set(new or {})) if (old or {}).get(n) != (new or {}).get(n)]
            found.append(
                f"the values of {' and '.join(names)} differ (same kind, shape and dtype): resume "
                "with the data the file was written for"
            )
            continue
        if key == "plan" and found:
            continue  # the plan follows from the settings whose difference is said already
        part = _PARTS.get(key, key)
        if isinstance(old, dict) and isinstance(new, dict):
            found.extend(_dict_differences(part, old, new))
        elif key in about_saved or key in about_now:
            # A hash: say what it stands for, with what differs in its description.
            details = _dict_differences("", about_saved.get(key) or {}, about_now.get(key) or {})
            found.append(f"{part} differs" + (f" ({'; '.join(details)})" if details else ""))
        else:
            found.append(f"{part} is {_short(old)} in the file, {_short(new)} here")
    return found


def _dict_differences(part: str, old: dict, new: dict) -> list[str]:
    found = []
    for name in [*old, *(n for n in new if n not in old)]:
        a, b = old.get(name), new.get(name)
        if a == b:
            continue
        label = f"{part} {name}".strip()
        if isinstance(a, dict) and isinstance(b, dict):
            found.extend(_dict_differences(label, a, b))
        elif part == "" or part == "settings":
            found.append(f"{name}={_short(a)} in the file, {name}={_short(b)} here")
        else:
            found.append(f"{label} is {_short(a)} in the file, {_short(b)} here")
    return found


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
            end, payload = _frame_at(handle, len(_MAGIC), os.fstat(handle.fileno()).st_size)
            return None if end is None else pickle.loads(payload).get("seeds")

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
            magic = handle.read(len(_MAGIC))
            if magic != _MAGIC:
                if magic.startswith(_OLD_MAGIC):
                    raise CheckpointMismatch(
                        f"checkpoint={path!r} was written by an older hbsearch (checkpoint file "
                        f"version {magic[len(_OLD_MAGIC):].decode(errors='replace').strip()}; this "
                        f"version reads version {_VERSION}), which this one cannot resume. Delete "
                        "it to start afresh, or use another path."
                    )
                raise CheckpointMismatch(f"checkpoint={path!r} is not an hbsearch checkpoint file.")
            end, payload = _frame_at(handle, len(_MAGIC), os.fstat(handle.fileno()).st_size)
            if end is None:
                raise CheckpointCorrupt(
                    f"checkpoint={path!r} has no readable header ({payload}): the file is damaged. "
                    "Delete it to start afresh, or use another path."
                )
            saved = pickle.loads(payload)
            handle.seek(end)
            frames = _read_frames(handle, path)
            differences = _differences(saved, header, compare)
            if differences:
                raise CheckpointMismatch(
                    f"checkpoint={path!r} was written by a different search: "
                    + "; ".join(differences)
                    + ". Use another path, or delete the file to start afresh."
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
