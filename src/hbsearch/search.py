"""The scikit-learn front: HyperbandSearchCV and its siblings.

A search validates its settings, builds the plan (schedule), the search space
and the sampler, hands them to the driver and the engine, and turns the
records that come back into ``cv_results_``, ``history_`` and ``best_*``.
"""

from __future__ import annotations

import copy
import hashlib
import importlib.util
import inspect
import logging
import math
import numbers
import os
import pickle
import reprlib
import sys
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

import cloudpickle
import joblib
import numpy as np
from sklearn.base import BaseEstimator, MetaEstimatorMixin, clone, is_classifier
from sklearn.exceptions import FitFailedWarning, NotFittedError
from sklearn.metrics import get_scorer
from sklearn.utils import check_random_state, get_tags
from sklearn.utils.metaestimators import available_if
from sklearn.utils.validation import check_is_fitted

from . import __version__, checks, engine
from .checkpoint import Checkpoint, data_identity
from .driver import Driver, check_halving, check_learning
from .progress import Progress
from .replay import Replay
from .results import ModelInfo, cv_results, fitted_metadata, history, model_history
from .samplers import Sampler, make_sampler, setup_sampler
from .schedule import (
    Plan,
    cap_plan,
    check_int,
    hyperband_plan,
    inverse_decay_plan,
    passive_plan,
    plan_metadata,
    successive_halving_plan,
)
from .space import SearchSpace

__all__ = ["HyperbandSearchCV", "SuccessiveHalvingSearchCV", "IncrementalSearchCV", "InverseDecaySearchCV"]

# A search space: a dict of lists and frozen scipy.stats distributions, or a list of such dicts.
ParameterSpace = Mapping[str, Any] | Sequence[Mapping[str, Any]]

logger = logging.getLogger("hbsearch")


def _fitted_or_estimator_has(name):
    def check(self):
        if hasattr(self, "best_estimator_"):
            return hasattr(self.best_estimator_, name)
        return hasattr(self.estimator, name)

    return check


# Settings that do not change what a search computes (display, time limits, the
# file itself), so a resumed fit may change them. The estimator and the space are
# identified by their own entries.
_NOT_IN_CHECKPOINT = {
    "estimator", "parameters", "verbose", "progress", "prefix", "max_time", "max_job_time", "checkpoint"
}
# What a checkpoint and the search resuming from it must agree on.
_CHECKED = (
    "format", "hbsearch", "search", "settings", "estimator", "plan", "configurations", "data", "content"
)


def _final_records(records):
    latest = {}
    for r in records:
        if r.partial_fit_calls >= latest.get(r.model, r).partial_fit_calls:
            latest[r.model] = r
    return latest.values()


def _estimator_score(estimator, X, y=None):
    """The scorer used when ``scoring=None``: the estimator's own ``score``."""
    return estimator.score(X, y)


def _make_scorer(estimator, scoring):
    if scoring is None:
        if not hasattr(estimator, "score"):
            raise TypeError(
                f"scoring=None is invalid for estimator={type(estimator).__name__}(...), "
                "which has no score method: pass a scoring string or callable."
            )
        return _estimator_score
    if isinstance(scoring, str):
        try:
            return get_scorer(scoring)
        except ValueError:
            raise ValueError(
                f"scoring={scoring!r} is invalid: it must be one of "
                "sklearn.metrics.get_scorer_names() or a callable scorer(estimator, X, y)."
            ) from None
    if callable(scoring):
        return scoring
    raise TypeError(
        f"scoring={scoring!r} is invalid: it must be None, a string or a callable "
        "scorer(estimator, X, y); a search ranks models by one score."
    )


def _exception_line(error: str) -> str:
    """``"Type: message"`` of the last exception in a formatted traceback, or ``error`` as it is."""
    lines = error.rstrip().splitlines()
    starts = [i for i, line in enumerate(lines) if line.startswith("Traceback (most recent call last)")]
    if not starts:
        return lines[0] if lines else error
    # After the last traceback's frames (indented), the exception's own lines.
    rest = lines[starts[-1] + 1:]
    for i, line in enumerate(rest):
        if line and not line.startswith(" "):
            return " ".join(part.strip() for part in rest[i:] if part.strip())
    return lines[-1]


def _describe_space(parameters) -> dict:
    """The search space in words, for a checkpoint's mismatch message."""

    def describe(value):
        dist = getattr(value, "dist", None)
        if dist is not None and hasattr(value, "args"):
            args = [repr(a) for a in value.args] + [f"{k}={v!r}" for k, v in value.kwds.items()]
            return f"{getattr(dist, 'name', type(dist).__name__)}({', '.join(args)})"
        return reprlib.repr(value)

    subspaces = parameters if isinstance(parameters, (list, tuple)) else [parameters]
    return {
        (f"[{i}]" if len(subspaces) > 1 else "") + repr(name): describe(value)
        for i, sub in enumerate(subspaces)
        for name, value in (sub.items() if isinstance(sub, Mapping) else [])
    }


def _fingerprint(obj) -> str:
    """A hash of ``obj``'s content: joblib's, or of its cloudpickle (as Dask
    ships it) for what only cloudpickle serializes (local classes, lambdas)."""
    try:
        return joblib.hash(obj)
    except pickle.PicklingError:
        return hashlib.sha1(cloudpickle.dumps(obj)).hexdigest()


class BaseIncrementalSearchCV(MetaEstimatorMixin, BaseEstimator):
    """Shared machinery of the searches; subclasses choose the plan.

    Subclasses implement ``_plan()`` and may override ``_max_calls_per_job``,
    ``_patience``, ``_halving`` and ``_model_id``.
    """

    _hyperband = False

    def __sklearn_tags__(self):
        # What the search accepts and predicts is what its estimator does.
        tags = super().__sklearn_tags__()
        estimator = self.estimator
        if engine.is_future(estimator):
            # Its value is fetched by fit only; once fitted, the best estimator tells.
            estimator = getattr(self, "best_estimator_", None)
            if estimator is None:
                return tags
        inner = get_tags(estimator)
        tags.estimator_type = inner.estimator_type
        tags.classifier_tags = copy.deepcopy(inner.classifier_tags)
        tags.regressor_tags = copy.deepcopy(inner.regressor_tags)
        tags.target_tags.required = inner.target_tags.required
        tags.input_tags.sparse = inner.input_tags.sparse
        return tags

    # -- what subclasses choose ------------------------------------------

    def _plan(self) -> Plan:
        raise NotImplementedError

    def _patience(self) -> int | None:
        patience = self.patience
        if patience is False or patience is None:
            return None
        if isinstance(patience, bool) or not isinstance(patience, numbers.Integral) or patience < 2:
            raise ValueError(
                f"patience={patience!r} is invalid: it must be False or an integer >= 2 "
                "(a model stops when its scores over that many calls improved by at most tol)."
            )
        return int(patience)

    def _max_calls_per_job(self) -> int | None:
        return self._patience()

    def _warn_settings(self) -> None:
        """Warn, once per fit, of settings that work but are likely a mistake."""

    def _score_first_call(self) -> bool:
        # As dask-ml: with patience, every model is scored after its first
        # call, then every ``patience`` calls (and at every rung).
        return self._patience() is not None

    def _halving(self) -> str | None:
        """The checked ``halving`` setting; None for a search without one (one rung)."""
        return None

    def _learning(self) -> str:
        """The checked ``learning`` setting."""
        return "reproducible"

    def _capped_plan(self, space: SearchSpace) -> Plan:
        # A finite space cannot fill larger rungs without repeats (as ParameterSampler).
        return cap_plan(self._plan(), space.size)

    def _model_id(self, bracket_id: int, rank: int, index: int):
        return index

    # -- metadata --------------------------------------------------------

    @property
    def metadata(self) -> dict[str, Any]:
        """The plan: models and partial_fit calls the search will make.

        Read before fitting, with no data, Dask or random numbers involved;
        ``metadata_`` after fitting equals it unless ``patience`` stopped
        models early, ``max_time`` or a KeyboardInterrupt ended the fit, or
        failures left a rung fewer models to promote than it keeps.

        The searches that halve (:class:`HyperbandSearchCV` and
        :class:`SuccessiveHalvingSearchCV`) also give ``"halving"``, the
        rule by which models go on from rung to rung. With
        ``"asynchronous"`` the counts stay exact: every rung trains the
        plan's number of models to the plan's number of calls, so
        ``n_models`` and ``partial_fit_calls`` hold as for
        ``"synchronous"``. Which models go on depends on the order in which
        their results arrive (each was in the top ``1 / aggressiveness`` of
        its rung's results at the time it went on), so the results of an
        asynchronous search are not reproducible from ``random_state``
        alone.
        """
        return self._metadata_of(self._capped_plan(SearchSpace(self.parameters)))

    def _metadata_of(self, plan: Plan, settings: bool = True) -> dict:
        return self._with_halving(
            {
                "n_models": plan.n_models,
                "partial_fit_calls": plan.partial_fit_calls,
                "max_iter": plan.max_iter,
            }
        )

    def _with_halving(self, metadata: dict) -> dict:
        halving = self._halving()
        if halving is not None:
            metadata["halving"] = halving
        return metadata

    # -- validation ------------------------------------------------------

    def _check_settings(self):
        """Every setting checked before any data is touched; returns what fit needs."""
        estimator = self.estimator
        if not hasattr(estimator, "partial_fit"):
            raise TypeError(
                f"estimator={type(estimator).__name__}(...) is invalid: it has no partial_fit "
                "method. Incremental searches train models a block at a time; use an estimator "
                "with partial_fit (SGDClassifier, MLPClassifier, ...) or scikit-learn's "
                "GridSearchCV/RandomizedSearchCV for this one."
            )
        space = SearchSpace(self.parameters)
        plan = self._capped_plan(space)
        halving = self._halving()
        learning = self._learning()
        test_size = self.test_size
        if test_size is not None:
            if (
                isinstance(test_size, bool)
                or not isinstance(test_size, numbers.Real)
                or not 0 < test_size < 1
            ):
                raise ValueError(
                    f"test_size={test_size!r} is invalid: it must be None or a float in (0, 1)."
                )
        tol = self.tol
        if tol is not None and (isinstance(tol, bool) or not isinstance(tol, numbers.Real)):
            raise TypeError(f"tol={tol!r} is invalid: it must be a number or None.")
        patience = self._patience()
        self._max_calls_per_job()  # checks fits_per_score and scores_per_fit
        scorer = _make_scorer(estimator, self.scoring)
        error_score = self.error_score
        if not (isinstance(error_score, str) and error_score == "raise") and (
            isinstance(error_score, bool) or not isinstance(error_score, numbers.Real)
        ):
            raise ValueError(
                f"error_score={error_score!r} is invalid: it must be 'raise' or a number "
                "(np.nan by default)."
            )
        sampler = make_sampler(self.sampler)
        checkpoint = self.checkpoint
        if checkpoint is not None:
            if not isinstance(checkpoint, (str, os.PathLike)) or os.path.isdir(checkpoint):
                raise ValueError(
                    f"checkpoint={checkpoint!r} is invalid: it must be None or the path of a file."
                )
            folder = os.path.dirname(os.path.abspath(checkpoint))
            if not os.path.isdir(folder):
                raise ValueError(
                    f"checkpoint={checkpoint!r} is invalid: its directory {folder!r} does not "
                    "exist. Create it first, or give the path of a file in an existing directory."
                )
        max_time = self.max_time
        if max_time is not None and (
            isinstance(max_time, bool) or not isinstance(max_time, numbers.Real) or not max_time > 0
        ):
            raise ValueError(f"max_time={max_time!r} is invalid: it must be None or a number of seconds > 0.")
        max_job_time = self.max_job_time
        if max_job_time is not None and (
            isinstance(max_job_time, bool) or not isinstance(max_job_time, numbers.Real)
            or not max_job_time > 0
        ):
            raise ValueError(
                f"max_job_time={max_job_time!r} is invalid: it must be None or a number of seconds > 0."
            )
        verbose = self.verbose
        if not isinstance(verbose, (bool, numbers.Real)) or verbose < 0:
            raise ValueError(f"verbose={verbose!r} is invalid: it must be a bool or a number >= 0.")
        if not isinstance(self.progress, bool):
            raise ValueError(f"progress={self.progress!r} is invalid: it must be True or False.")
        if self.progress and importlib.util.find_spec("tqdm") is None:
            raise ImportError(
                "progress=True needs tqdm: pip install 'hbsearch[progress]' (or pip install tqdm)."
            )
        rng = check_random_state(self.random_state)
        return plan, (halving, learning), space, test_size, patience, tol, scorer, sampler, rng

    # -- fitting ---------------------------------------------------------

    def fit(self, X, y=None, **fit_params) -> BaseIncrementalSearchCV:
        """Search for the best parameters, training models with ``partial_fit``.

        Parameters
        ----------
        X : array-like, pandas DataFrame, dask array or dask DataFrame
            Training data. Each block (chunk of rows, or partition) is the data
            of one ``partial_fit`` call; a NumPy array, pandas frame or SciPy
            sparse matrix is one block.
        y : array-like, dask array or dask Series, optional
            Targets, blocked like ``X``.
        **fit_params
            Passed to every ``partial_fit`` call (a Dask ``Future`` is fetched
            first). ``classes`` is found from ``y`` when the estimator is a
            classifier whose ``partial_fit`` takes it.

        Returns
        -------
        self : object
            The fitted search; with an asynchronous Dask client
            (``Client(asynchronous=True)``), called in its event loop, an
            awaitable that gives it: ``await search.fit(X, y)``, as in dask-ml.

        Notes
        -----
        ``estimator`` may be a Dask ``Future`` of an estimator (from
        ``client.scatter``): its value is fetched once, at the start of the
        fit.
        """
        client = engine.active_client()
        if client is not None and client.asynchronous:
            return self._fit_awaitable(X, y, fit_params)
        return self._fit(X, y, fit_params)

    async def _fit_awaitable(self, X, y, fit_params):
        import asyncio

        # The search runs in a thread, where the same client works
        # synchronously, while the event loop stays free to serve it.
        return await asyncio.to_thread(self._fit, X, y, fit_params)

    def _fit(self, X, y, fit_params):
        # Fit parameters given as Futures (client.compute(...)) are small: fetched once, as dask-ml does.
        fit_params = {k: v.result() if engine.is_future(v) else v for k, v in fit_params.items()}
        if not engine.is_future(self.estimator):
            return self._fit_with(X, y, fit_params)
        given = self.estimator
        # The search reads its estimator in many places; it reads the value
        # during this fit, and keeps the Future as its parameter.
        self.estimator = given.result()
        try:
            return self._fit_with(X, y, fit_params)
        finally:
            self.estimator = given

    def _fit_with(self, X, y, fit_params):
        plan, (halving, learning), space, test_size, patience, tol, scorer, sampler, rng = (
            self._check_settings()
        )
        self._warn_settings()
        X_parts, y_parts = engine.as_blocks(X, y)
        if test_size is None:
            test_size = min(0.2, 1 / len(X_parts))
        checks.check_fit(
            self, X, y, fit_params, space=space, plan=plan, test_size=test_size, halving=halving,
            learning=learning,
        )
        # A score that is not a number fails its model, as a scorer that raises does.
        plain_scorer, scorer = scorer, checks.NumericScorer(scorer)
        seeds = [int(s) for s in rng.randint(2**31 - 1, size=3)]
        if self.checkpoint is not None:
            # A resumed search draws what it drew the first time.
            seeds = Checkpoint.saved_seeds(self.checkpoint) or seeds
        split_seed, order_seed, sampler_seed = seeds
        setup_sampler(sampler, space, sampler_seed)
        driver = Driver(
            plan,
            space,
            sampler,
            max_calls_per_job=self._max_calls_per_job(),
            score_first_call=self._score_first_call(),
            patience=patience,
            tol=tol,
            halving=halving or "synchronous",
            learning=learning,
            # The picks that replace repeated configurations.
            random_state=sampler_seed + 1,
        )
        checkpoint = None
        if self.checkpoint is not None:
            header = self._checkpoint_header(plan, space, X, y, test_size, seeds)
            checkpoint = Checkpoint.open(
                self.checkpoint, header, compare=_CHECKED, configuration=lambda m: driver.models[m].vector
            )
            driver.preset(checkpoint.vectors)
        fit_params = dict(fit_params)
        progress = Progress(
            plan.partial_fit_calls,
            driver,
            self._log,
            bar=self.progress or (self.verbose >= 1 and importlib.util.find_spec("tqdm") is not None),
            decisions=self.verbose >= 2,
            describe=lambda run: f"bracket={run.bracket.bracket} (iteration {run.iteration})",
        )
        try:
            with self._logging(), engine.client_for_fit(checkpoint=self.checkpoint) as client:
                data = engine.persist_split(
                    client, X_parts, y_parts, test_size, split_seed,
                    sizes=engine.estimated_sizes(X, y, test_size),
                )
                try:
                    if self._needs_classes(fit_params, y):
                        fit_params["classes"] = engine.distinct_values(client, data)
                    self._log(
                        "fitting %d models with %d partial_fit calls in all",
                        plan.n_models,
                        plan.partial_fit_calls,
                    )
                    outcome = engine.run_search(
                        client,
                        Replay(driver, checkpoint.steps if checkpoint is not None else {}),
                        self.estimator,
                        data,
                        fit_params=fit_params,
                        scorer=scorer,
                        order_seed=order_seed,
                        error_score=self.error_score,
                        max_time=self.max_time,
                        max_job_time=self.max_job_time,
                        checkpoint=checkpoint,
                        on_record=progress,
                        label=lambda i: self._label(driver, i),
                    )
                finally:
                    engine.release(data.futures())
        finally:
            progress.close()
            if checkpoint is not None:
                checkpoint.close()
        self._store_results(plan, driver, outcome, plain_scorer)
        return self

    def _checkpoint_header(self, plan, space, X, y, test_size, seeds) -> dict:
        # As text: NaN (the default error_score) must equal itself.
        settings = {
            name: repr(value)
            for name, value in self.get_params(deep=False).items()
            if name not in _NOT_IN_CHECKPOINT
        }
        settings["test_size"] = repr(test_size)
        return {
            "format": 3,
            "hbsearch": __version__,
            "search": type(self).__name__,
            "settings": settings,
            "estimator": _fingerprint(clone(self.estimator)),
            "plan": self._metadata_of(plan, settings=False),
            # The space, by what fixed points of the cube decode to.
            "configurations": _fingerprint(
                [space.dimensions, [space.decode(v) for v in space.sample_vectors(16, random_state=0)]]
            ),
            "data": engine.describe_data(X, y),
            # Another array of the same shape must not resume this one's models.
            "content": data_identity(X, y),
            "seeds": list(seeds),
            # Not compared: words for what the hashes above stand for, in a mismatch's message.
            "about": {
                "estimator": {
                    "class": type(self.estimator).__name__,
                    **{k: reprlib.repr(v) for k, v in self.estimator.get_params(deep=False).items()},
                },
                "configurations": _describe_space(self.parameters),
            },
        }

    def _needs_classes(self, fit_params, y) -> bool:
        if y is None or "classes" in fit_params or not is_classifier(self.estimator):
            return False
        return "classes" in inspect.signature(self.estimator.partial_fit).parameters

    def _report_failures(self, records, driver) -> None:
        failed = {}
        for r in records:
            if r.error is not None:
                failed.setdefault(r.model, r.error)
        if not failed:
            return
        n_models = len({r.model for r in records})
        index = min(failed)
        first = failed[index]
        if len(failed) == n_models:
            # The reason first: the traceback's last line is easy to miss under a long trace.
            raise ValueError(
                f"{_exception_line(first)} (model {self._label(driver, index)} with parameters "
                f"{driver.models[index].params!r}; all {n_models} models failed, this is the first "
                f"error).\nIts traceback:\n{first}"
            )
        warnings.warn(
            f"{len(failed)} of {n_models} models failed and were scored "
            f"error_score={self.error_score!r}; they rank last and were not trained further. "
            f"The first error:\n{first}",
            FitFailedWarning,
            stacklevel=5,
        )

    def _store_results(self, plan, driver, outcome, scorer):
        if not outcome.records:
            raise RuntimeError(
                f"The search stopped because {outcome.stopped_early} before any model was scored."
            )
        self._report_failures(outcome.records, driver)
        if outcome.stopped_early:
            done = sum(r.partial_fit_calls for r in _final_records(outcome.records))
            warnings.warn(
                f"The search stopped early because {outcome.stopped_early}: "
                f"{done} of {plan.partial_fit_calls} planned partial_fit calls were scored. "
                "best_* and cv_results_ hold the models scored so far.",
                UserWarning,
                stacklevel=5,
            )
        bracket_ids = [run.bracket.bracket for run in driver.brackets]
        rungs = [m.rung for m in driver.models]
        for run in driver.brackets:
            for r, members in enumerate(run.rung_members):
                for i in members:
                    rungs[i] = max(rungs[i], r)
        models = [
            ModelInfo(
                self._model_id(bracket_ids[m.bracket], m.rank_in_bracket, m.index),
                m.params,
                bracket_ids[m.bracket] if self._hyperband else None,
                rungs[m.index],
            )
            for m in driver.models
        ]
        results, rows = cv_results(outcome.records, models)
        self.cv_results_ = results
        self.history_ = history(outcome.records, models)
        self.model_history_ = model_history(self.history_)
        actual = fitted_metadata(
            outcome.records,
            models,
            [
                {"bracket": bracket_ids[run.index], "models": run.models, "decisions": run.decisions}
                for run in driver.brackets
            ],
        )
        self.metadata_ = self._fitted_metadata_of(plan, actual)
        self.best_index_ = rows.index(outcome.best_index)
        self.best_score_ = float(results["test_score"][self.best_index_])
        self.best_params_ = results["params"][self.best_index_]
        self.best_estimator_ = outcome.best_model
        self.n_iter_ = int(results["partial_fit_calls"].max())
        self.scorer_ = scorer
        self.n_splits_ = 1
        self.multimetric_ = False

    def _fitted_metadata_of(self, plan: Plan, actual: dict) -> dict:
        return self._with_halving(
            {
                "n_models": actual["n_models"],
                "partial_fit_calls": actual["partial_fit_calls"],
                "max_iter": plan.max_iter,
            }
        )

    # -- logging ---------------------------------------------------------

    def _log(self, message, *args):
        logger.info("[CV%s] " + message, self.prefix, *args)

    def _logging(self):
        import contextlib

        if not self.verbose:
            return contextlib.nullcontext()

        @contextlib.contextmanager
        def attached():
            handler = logging.StreamHandler(sys.stdout)
            previous = logger.level
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
            try:
                yield
            finally:
                logger.removeHandler(handler)
                logger.setLevel(previous)

        return attached()

    def _label(self, driver, index) -> str:
        """A model's id, as in ``cv_results_["model_id"]``, for task names."""
        model = driver.models[index]
        return str(self._model_id(driver.brackets[model.bracket].bracket.bracket, model.rank_in_bracket, index))

    # -- the best estimator's methods --------------------------------------

    def _call_best(self, method: str, X):
        check_is_fitted(self, "best_estimator_")
        return engine.apply_blockwise(getattr(self.best_estimator_, method), X)

    @available_if(_fitted_or_estimator_has("predict"))
    def predict(self, X) -> Any:
        """Predict with the best estimator (blockwise on dask collections)."""
        return self._call_best("predict", X)

    @available_if(_fitted_or_estimator_has("predict_proba"))
    def predict_proba(self, X) -> Any:
        """Class probabilities from the best estimator (blockwise on dask collections)."""
        return self._call_best("predict_proba", X)

    @available_if(_fitted_or_estimator_has("predict_log_proba"))
    def predict_log_proba(self, X) -> Any:
        """Log class probabilities from the best estimator (blockwise on dask collections)."""
        return self._call_best("predict_log_proba", X)

    @available_if(_fitted_or_estimator_has("decision_function"))
    def decision_function(self, X) -> Any:
        """Decision function of the best estimator (blockwise on dask collections)."""
        return self._call_best("decision_function", X)

    @available_if(_fitted_or_estimator_has("transform"))
    def transform(self, X) -> Any:
        """Transform with the best estimator (blockwise on dask collections)."""
        return self._call_best("transform", X)

    @available_if(_fitted_or_estimator_has("inverse_transform"))
    def inverse_transform(self, X) -> Any:
        """Inverse transform with the best estimator (blockwise on dask collections)."""
        return self._call_best("inverse_transform", X)

    def score(self, X, y=None) -> float:
        """Score of the best estimator by ``scorer_`` (dask inputs are computed first)."""
        check_is_fitted(self, "best_estimator_")
        X, y = engine.materialize(X), engine.materialize(y)
        return float(self.scorer_(self.best_estimator_, X, y))

    @property
    def classes_(self):
        """Class labels of the best estimator."""
        check_is_fitted(self, "best_estimator_")
        return self.best_estimator_.classes_

    @property
    def n_features_in_(self) -> int:
        """Number of features the best estimator was trained on."""
        try:
            check_is_fitted(self, "best_estimator_")
        except NotFittedError as error:
            raise AttributeError(str(error)) from error
        return self.best_estimator_.n_features_in_

    @property
    def feature_names_in_(self):
        """Column names of the training DataFrame, when it had them."""
        try:
            check_is_fitted(self, "best_estimator_")
        except NotFittedError as error:
            raise AttributeError(str(error)) from error
        return self.best_estimator_.feature_names_in_


class HyperbandSearchCV(BaseIncrementalSearchCV):
    """Hyperband: successive halving at every trade-off of models against calls.

    Runs every bracket of Hyperband at the same time on a Dask cluster. Each
    bracket starts many models with few ``partial_fit`` calls or few models
    with many; at each rung the top ``1 / aggressiveness`` of a bracket's
    models (by their latest validation score) are trained further. All models
    are scored on one validation set, split from the training data once.

    Parameters
    ----------
    estimator : estimator object
        Has ``partial_fit``; copied for every configuration.
    parameters : dict or list of dicts
        Lists of values and frozen ``scipy.stats`` distributions, as for
        scikit-learn's ``RandomizedSearchCV``.
    max_iter : int, default=81
        The most ``partial_fit`` calls any model receives.
    aggressiveness : int, default=3
        How many times fewer models each rung keeps (Hyperband's ``eta``).
    sampler : {"random", "de", "bo", "tpe", "gp"} or Sampler, default="random"
        Where the configurations entering each bracket come from: uniform
        random draws (Hyperband), differential evolution (as in DEHB), a
        kernel-density model (as in BOHB), a tree-structured Parzen
        estimator (as Optuna's TPE, ranking by budget reached), or an instance of a
        :class:`hbsearch.samplers.Sampler` subclass. A configuration is
        drawn when its model is about to start training, and the sampler
        learns from every rung's results (see ``learning``), so the learning
        samplers help most with ``n_iterations > 1``. Configurations are not
        repeated: a finite space (lists and bounded integers only) has each
        of its configurations drawn once before any is drawn again, and no
        rung trains more models than the space has configurations (as
        scikit-learn's ``ParameterSampler``; ``metadata`` counts so).
    n_iterations : int, default=1
        How many times Hyperband's brackets are run, each time with new
        configurations. Bracket run ``k`` starts once runs ``0 .. k - B`` have
        finished (``B`` brackets an iteration; the first iteration's runs
        start together). ``metadata`` counts every iteration.
    halving : {"synchronous", "asynchronous"}, default="synchronous"
        When the models of a rung go on to the next one. "synchronous": a
        rung waits for all its models' scores, then the top
        ``1 / aggressiveness`` go on; the results are reproducible from
        ``random_state``. "asynchronous" (as in ASHA): no waiting; as each
        score arrives, a model in the top ``1 / aggressiveness`` of the
        scores its rung has so far goes on at once, until the next rung has
        the plan's number of models, and the rung's last score fills any
        places left with the best of the others. Each rung still trains the
        plan's number of models to the plan's number of calls, so
        ``metadata``'s counts stay exact, and every model that went on was
        in the top ``1 / aggressiveness`` of its rung's scores at that
        moment; but which models go on depends on the order the scores
        arrive in, so results are not reproducible from ``random_state``
        alone (nor resumed identically from a ``checkpoint``).
    learning : {"reproducible", "immediate"}, default="reproducible"
        What the sampler knows when it draws a configuration.
        "reproducible": the rungs that come before the draw in the plan's
        own order (the plan run on one notional worker, first come first
        served); a model whose draw needs a rung that is not decided yet
        waits for it. The same ``random_state`` then gives the same
        configurations and scores whatever the number of workers or the
        order results arrive in. "immediate": every rung decided so far
        (every result so far with ``halving="asynchronous"``); no draw
        waits, but what a draw knows depends on timing, and results are not
        reproducible with a learning sampler. On the project's benchmarks
        (8 simulated workers) "reproducible" found better models on average
        and finished no later.
    patience : int or bool, default=False
        Stop training a model when its scores over its last ``patience``
        calls improved by at most ``tol``. True means
        ``max(max_iter // aggressiveness, 1)``; a smaller number warns, as in
        dask-ml. As there, models are then scored after their first call,
        every ``patience`` calls and at every rung.
    tol : float, default=1e-3
        See ``patience``.
    test_size : float, default=None
        Share of each block kept for validation; None means
        ``min(0.2, 1 / n_blocks)``.
    random_state : int, RandomState instance or None, default=None
        Seeds the configurations, the split and the order of blocks.
    scoring : str, callable or None, default=None
        As in scikit-learn; None uses the estimator's ``score``.
    error_score : "raise" or float, default=np.nan
        Score given to a model whose ``partial_fit`` or scoring raises, or
        whose score is not a finite real number. Such a model keeps its error in
        ``cv_results_["error"]`` and ``history_``, ranks last and is not
        trained further; the search goes on and warns once. "raise" stops the
        search with the first error instead.
    max_time : float or None, default=None
        Seconds after which no more work is started: work under way is
        dropped, and ``fit`` returns with the models scored so far (and a
        warning). A KeyboardInterrupt during ``fit`` does the same.
    max_job_time : float or None, default=None
        Seconds one job (a model's partial_fit calls up to its next score)
        may run. A job past it is recorded as failed (its error says so) and
        the search goes on; its worker is restarted through its nanny, which
        frees the thread a hung ``partial_fit`` holds (a worker without a
        nanny cannot be, and a warning names it). When ``fit`` returns early,
        workers still running its tasks are restarted too. None: no limit.
    checkpoint : str, path or None, default=None
        A file where every scored step (record and fitted model) is saved as
        it completes; its directory must exist. Calling ``fit`` again with the same file and the same
        settings and data resumes: saved steps are not run again, and the
        results equal those of an uninterrupted search. A file written by a
        search with other settings, data (compared by its values: a hash of
        in-memory data, a dask collection's token) or version is refused,
        naming what differs; ``progress``, ``verbose``, ``prefix`` and
        ``max_time`` may change. Checkpoints hold pickled estimators: only
        resume from files you trust.
    progress : bool, default=False
        Show a progress bar (``tqdm.auto``: terminals and notebooks) whose
        length is the planned partial_fit calls, with the best score so far.
    verbose : bool or int, default=False
        Log to standard output through the ``"hbsearch"`` logger: every new
        best score at 1 (with a progress bar when tqdm is installed), and
        every rung decision at 2 or more.
    prefix : str, default=""
        Put in every log line, as ``[CV{prefix}]``.

    Attributes
    ----------
    metadata : dict
        The plan, before fitting: ``n_models``, ``partial_fit_calls``, one
        entry per bracket, and ``halving``.
    metadata_ : dict
        The same, counted from what the fit did.
    cv_results_ : dict of arrays
        One row per model: ``test_score`` (latest score), ``rank_test_score``,
        ``model_id``, ``bracket``, ``partial_fit_calls``, ``params``,
        ``param_<name>``, ``error`` (None, or the traceback of a failed
        model) and timings.
    history_ : list of dict
        Every score of every model, in the order received.
    model_history_ : dict
        ``history_`` grouped by ``model_id``.
    best_estimator_, best_score_, best_params_, best_index_, scorer_, n_splits_
        As in scikit-learn.
    n_iter_ : int
        The most partial_fit calls a model received (``max_iter`` unless the
        search stopped early).

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from distributed import Client
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import SGDClassifier
    >>> from hbsearch import HyperbandSearchCV
    >>> X, y = make_classification(n_samples=400, random_state=0)
    >>> search = HyperbandSearchCV(
    ...     SGDClassifier(random_state=0), {"alpha": loguniform(1e-5, 1e-1)},
    ...     max_iter=9, random_state=0)
    >>> search.metadata["n_models"], search.metadata["partial_fit_calls"]
    (17, 69)
    >>> with Client(processes=False, n_workers=1, threads_per_worker=2) as client:
    ...     _ = search.fit(X, y)
    >>> search.metadata_ == search.metadata
    True
    """

    _hyperband = True

    def __init__(
        self,
        estimator: Any,
        parameters: ParameterSpace,
        *,
        max_iter: int = 81,
        aggressiveness: int = 3,
        sampler: str | Sampler = "random",
        n_iterations: int = 1,
        halving: str = "synchronous",
        learning: str = "reproducible",
        patience: bool | int = False,
        tol: float | None = 1e-3,
        test_size: float | None = None,
        random_state: int | np.random.RandomState | None = None,
        scoring: str | Callable | None = None,
        error_score: float | str = np.nan,
        max_time: float | None = None,
        max_job_time: float | None = None,
        checkpoint: str | os.PathLike | None = None,
        progress: bool = False,
        verbose: bool | int = False,
        prefix: str = "",
    ) -> None:
        self.estimator = estimator
        self.parameters = parameters
        self.max_iter = max_iter
        self.aggressiveness = aggressiveness
        self.sampler = sampler
        self.n_iterations = n_iterations
        self.halving = halving
        self.learning = learning
        self.patience = patience
        self.tol = tol
        self.test_size = test_size
        self.random_state = random_state
        self.scoring = scoring
        self.error_score = error_score
        self.max_time = max_time
        self.max_job_time = max_job_time
        self.checkpoint = checkpoint
        self.progress = progress
        self.verbose = verbose
        self.prefix = prefix

    def _plan(self) -> Plan:
        return hyperband_plan(self.max_iter, self.aggressiveness, self.n_iterations)

    def _patience(self):
        if self.patience is True:
            plan = self._plan()
            return max(plan.max_iter // plan.aggressiveness, 1)
        return super()._patience()

    def _model_id(self, bracket_id, rank, index):
        return f"bracket={bracket_id}-{rank}"

    def _warn_settings(self) -> None:
        patience, tol = self._patience(), self.tol
        plan = self._plan()
        suggested = max(plan.max_iter // plan.aggressiveness, 1)
        if (
            self.patience is not True and patience is not None and patience < suggested
            and tol is not None and not math.isnan(tol)
        ):
            # As dask-ml warns: Hyperband already stops poor models; patience
            # is meant to stop the few long-trained ones that converged.
            warnings.warn(
                f"patience={patience} is less than max_iter // aggressiveness = {suggested}: "
                "it may stop models that are still improving, where Hyperband's own halving "
                "would judge them. Use patience=True, patience >= "
                f"{suggested}, or tol=None to turn the check off.",
                UserWarning,
                stacklevel=5,
            )

    def _halving(self) -> str:
        return check_halving(self.halving)

    def _learning(self) -> str:
        return check_learning(self.learning)

    def _metadata_of(self, plan: Plan, settings: bool = True) -> dict:
        metadata = plan_metadata(plan, hyperband=True)
        if settings:
            for entry, bracket in zip(metadata["brackets"], sorted(plan.brackets, key=lambda b: b.bracket)):
                entry["SuccessiveHalvingSearchCV params"] = self._bracket_settings(bracket)
        return self._with_halving(metadata)

    def _bracket_settings(self, bracket) -> dict:
        """Every setting of a SuccessiveHalvingSearchCV that runs ``bracket`` alone.

        All its parameters but ``estimator`` and ``parameters``, as dask-ml
        gives them: ``max_iter`` is the bracket's last rung (so that the
        settings rebuild the bracket exactly), ``patience`` the number of
        calls it stands for, ``prefix`` names the bracket, and
        ``checkpoint`` is None (a file belongs to one search).
        """
        patience = self._patience()
        shared = self.get_params(deep=False)
        names = [n for n in SuccessiveHalvingSearchCV._get_param_names() if n not in ("estimator", "parameters")]
        own = {
            "n_initial_parameters": bracket.n_models,
            "n_initial_iter": bracket.rungs[0].calls,
            "max_iter": bracket.rungs[-1].calls,
            "patience": False if patience is None else patience,
            "checkpoint": None,
            "prefix": f"{self.prefix}, bracket={bracket.bracket}",
        }
        return {name: own[name] if name in own else shared[name] for name in names}

    def _fitted_metadata_of(self, plan: Plan, actual: dict) -> dict:
        planned = {b["bracket"]: b for b in self._metadata_of(plan)["brackets"]}
        brackets = []
        for b in actual["brackets"]:
            entry = dict(planned[b["bracket"]])
            entry.update(b)
            brackets.append(entry)
        return self._with_halving(
            {
                "n_models": actual["n_models"],
                "partial_fit_calls": actual["partial_fit_calls"],
                "brackets": brackets,
            }
        )


class SuccessiveHalvingSearchCV(BaseIncrementalSearchCV):
    """Successive halving: many models briefly, then fewer models for longer.

    Starts ``n_initial_parameters`` models with ``n_initial_iter``
    ``partial_fit`` calls each, then repeatedly keeps the top
    ``1 / aggressiveness`` by validation score and trains them
    ``aggressiveness`` times longer, until one model is left or ``max_iter``
    calls are reached.

    Parameters
    ----------
    estimator, parameters
        As for :class:`HyperbandSearchCV`.
    n_initial_parameters : int, default=10
        Models started.
    n_initial_iter : int or None, default=None
        ``partial_fit`` calls before the first decision. None chooses it so
        the last rung reaches ``max_iter`` (1 when ``max_iter`` is None).
    max_iter : int or None, default=None
        The most calls any model receives; None stops when one model is left.
    aggressiveness : int, default=3
        How many times fewer models each rung keeps.
    halving : {"synchronous", "asynchronous"}, default="synchronous"
        As for :class:`HyperbandSearchCV`: "asynchronous" sends a model on
        as soon as it is in the top ``1 / aggressiveness`` of its rung's
        scores so far, instead of waiting for the whole rung. Counts of
        models and calls per rung are the plan's either way; which models go
        on then depends on the order the scores arrive in.
    test_size, patience, tol, random_state, scoring, error_score
        As for :class:`HyperbandSearchCV` (``patience=True`` is not allowed here).
    max_time, max_job_time, checkpoint, progress, verbose, prefix, sampler
        As for :class:`HyperbandSearchCV`.

    Attributes
    ----------
    metadata, metadata_, cv_results_, history_, model_history_, best_estimator_, best_score_
        As for :class:`HyperbandSearchCV`; ``metadata`` has ``n_models``,
        ``partial_fit_calls``, ``max_iter`` and ``halving``, and there is no
        ``bracket`` column.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.linear_model import SGDClassifier
    >>> search = SuccessiveHalvingSearchCV(
    ...     SGDClassifier(), {"alpha": loguniform(1e-5, 1e-1)}, n_initial_parameters=9, max_iter=27)
    >>> search.metadata
    {'n_models': 9, 'partial_fit_calls': 63, 'max_iter': 27, 'halving': 'synchronous'}
    """

    def __init__(
        self,
        estimator: Any,
        parameters: ParameterSpace,
        *,
        n_initial_parameters: int = 10,
        n_initial_iter: int | None = None,
        max_iter: int | None = None,
        aggressiveness: int = 3,
        sampler: str | Sampler = "random",
        halving: str = "synchronous",
        test_size: float | None = None,
        patience: bool | int = False,
        tol: float | None = 1e-3,
        random_state: int | np.random.RandomState | None = None,
        scoring: str | Callable | None = None,
        error_score: float | str = np.nan,
        max_time: float | None = None,
        max_job_time: float | None = None,
        checkpoint: str | os.PathLike | None = None,
        progress: bool = False,
        verbose: bool | int = False,
        prefix: str = "",
    ) -> None:
        self.estimator = estimator
        self.parameters = parameters
        self.n_initial_parameters = n_initial_parameters
        self.n_initial_iter = n_initial_iter
        self.max_iter = max_iter
        self.aggressiveness = aggressiveness
        self.sampler = sampler
        self.halving = halving
        self.test_size = test_size
        self.patience = patience
        self.tol = tol
        self.random_state = random_state
        self.scoring = scoring
        self.error_score = error_score
        self.max_time = max_time
        self.max_job_time = max_job_time
        self.checkpoint = checkpoint
        self.progress = progress
        self.verbose = verbose
        self.prefix = prefix

    def _plan(self) -> Plan:
        return successive_halving_plan(
            self.n_initial_parameters, self.aggressiveness, self.n_initial_iter, self.max_iter
        )

    def _halving(self) -> str:
        return check_halving(self.halving)


class IncrementalSearchCV(BaseIncrementalSearchCV):
    """The passive baseline: every model trained to ``max_iter`` calls.

    Models are scored after their first call, then every ``fits_per_score``
    calls (as in dask-ml) and, with ``patience``, stopped once their scores
    stop improving. No model is dropped for being worse than others, so this
    is the yardstick Hyperband is measured against.

    Parameters
    ----------
    estimator, parameters
        As for :class:`HyperbandSearchCV`.
    n_initial_parameters : int or "grid", default=10
        Models trained; "grid" trains every configuration of a space of
        lists once (as dask-ml).
    max_iter : int, default=100
        ``partial_fit`` calls per model.
    fits_per_score : int, default=1
        Calls between two scores of a model (at most ``patience``).
    test_size, patience, tol, random_state, scoring, error_score
        As for :class:`HyperbandSearchCV` (``patience=True`` is not allowed here).
    max_time, max_job_time, checkpoint, progress, verbose, prefix, sampler
        As for :class:`HyperbandSearchCV`.
    decay_rate : None, default=None
        dask-ml's deprecated setting, accepted for its users: a number is
        ignored with a FutureWarning (as dask-ml does); use
        :class:`InverseDecaySearchCV` for the inverse decay.
    scores_per_fit : int or None, default=None
        dask-ml's former name of ``fits_per_score``: a number is used as
        ``fits_per_score`` with a UserWarning (as dask-ml's); given with a
        ``fits_per_score`` other than 1 it is an error.

    Attributes
    ----------
    metadata, metadata_, cv_results_, history_, model_history_, best_estimator_, best_score_
        As for :class:`HyperbandSearchCV`; ``metadata`` has ``n_models``,
        ``partial_fit_calls`` and ``max_iter``, and there is no ``bracket`` column.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.linear_model import SGDClassifier
    >>> search = IncrementalSearchCV(
    ...     SGDClassifier(), {"alpha": loguniform(1e-5, 1e-1)}, n_initial_parameters=4, max_iter=10)
    >>> search.metadata
    {'n_models': 4, 'partial_fit_calls': 40, 'max_iter': 10}
    """

    def __init__(
        self,
        estimator: Any,
        parameters: ParameterSpace,
        *,
        n_initial_parameters: int = 10,
        max_iter: int = 100,
        fits_per_score: int = 1,
        sampler: str | Sampler = "random",
        test_size: float | None = None,
        patience: bool | int = False,
        tol: float | None = 1e-3,
        random_state: int | np.random.RandomState | None = None,
        scoring: str | Callable | None = None,
        error_score: float | str = np.nan,
        max_time: float | None = None,
        max_job_time: float | None = None,
        checkpoint: str | os.PathLike | None = None,
        progress: bool = False,
        verbose: bool | int = False,
        prefix: str = "",
        decay_rate: None = None,
        scores_per_fit: int | None = None,
    ) -> None:
        self.estimator = estimator
        self.parameters = parameters
        self.n_initial_parameters = n_initial_parameters
        self.max_iter = max_iter
        self.fits_per_score = fits_per_score
        self.sampler = sampler
        self.test_size = test_size
        self.patience = patience
        self.tol = tol
        self.random_state = random_state
        self.scoring = scoring
        self.error_score = error_score
        self.max_time = max_time
        self.max_job_time = max_job_time
        self.checkpoint = checkpoint
        self.progress = progress
        self.verbose = verbose
        self.prefix = prefix
        self.decay_rate = decay_rate
        self.scores_per_fit = scores_per_fit

    def _plan(self) -> Plan:
        return passive_plan(self._n_initial_parameters(), self.max_iter)

    def _n_initial_parameters(self) -> int:
        if not (isinstance(self.n_initial_parameters, str) and self.n_initial_parameters == "grid"):
            return self.n_initial_parameters
        # Every configuration once: a finite space is drawn without replacement.
        size = SearchSpace(self.parameters).size
        if not math.isfinite(size):
            raise ValueError(
                "n_initial_parameters='grid' is invalid with a search space that has distributions: "
                "'grid' trains every configuration once, so the space must hold lists only."
            )
        return int(size)

    def _fits_per_score(self) -> int:
        fits = check_int("fits_per_score", self.fits_per_score, 1)
        if self.scores_per_fit is None:
            return fits
        per_fit = check_int("scores_per_fit", self.scores_per_fit, 1)
        if fits != 1:
            raise ValueError(
                f"scores_per_fit={self.scores_per_fit!r} is invalid with fits_per_score={fits}: "
                "scores_per_fit is the former name of fits_per_score; give fits_per_score only."
            )
        return per_fit

    def _max_calls_per_job(self):
        fits = self._fits_per_score()
        patience = self._patience()
        return fits if patience is None else min(fits, patience)

    def _score_first_call(self) -> bool:
        # As dask-ml: scores after the first call, then every fits_per_score calls.
        return True

    def _warn_settings(self) -> None:
        if self.scores_per_fit is not None:
            # A UserWarning, as dask-ml's.
            warnings.warn(
                f"scores_per_fit={self.scores_per_fit!r} is used as fits_per_score="
                f"{self.scores_per_fit!r}: it has been deprecated since Dask-ML v1.4.0, where "
                "fits_per_score replaced it; give fits_per_score instead.",
                UserWarning,
                stacklevel=5,
            )
        self._warn_decay_rate()

    def _warn_decay_rate(self) -> None:
        if self.decay_rate is not None:
            warnings.warn(
                f"decay_rate={self.decay_rate!r} is ignored by IncrementalSearchCV (as by dask-ml's, "
                "where it is deprecated): use InverseDecaySearchCV for the inverse decay, or "
                "decay_rate=None.",
                FutureWarning,
                stacklevel=6,
            )


class InverseDecaySearchCV(IncrementalSearchCV):
    """dask-ml's inverse decay: fewer models as training goes on, ``n / (1 + t) ** decay_rate``.

    Every model is scored after its first call. Then, at each decision
    (with ``t`` calls so far), only the best ``int(n / (1 + t') **
    decay_rate)`` models go on, trained to ``t' - 1`` calls, where ``t'`` is
    the next time that number changes (with ``patience``, at most
    ``fits_per_score`` calls later). Training ends when one model is left or
    at ``max_iter`` calls. The schedule depends on the settings only, so
    ``metadata`` gives it exactly (:func:`hbsearch.schedule.inverse_decay_plan`).

    Parameters
    ----------
    estimator, parameters, n_initial_parameters, max_iter, fits_per_score
        As for :class:`IncrementalSearchCV`.
    decay_rate : float, default=1.0
        How fast the number of models falls; 0 keeps them all.
    test_size, patience, tol, random_state, scoring, error_score
        As for :class:`IncrementalSearchCV`.
    max_time, max_job_time, checkpoint, progress, verbose, prefix, sampler, scores_per_fit
        As for :class:`IncrementalSearchCV`.

    Examples
    --------
    >>> from scipy.stats import loguniform
    >>> from sklearn.linear_model import SGDClassifier
    >>> search = InverseDecaySearchCV(
    ...     SGDClassifier(), {"alpha": loguniform(1e-5, 1e-1)}, n_initial_parameters=20, max_iter=10)
    >>> search.metadata
    {'n_models': 20, 'partial_fit_calls': 34, 'max_iter': 10}
    """

    def __init__(
        self,
        estimator: Any,
        parameters: ParameterSpace,
        *,
        n_initial_parameters: int = 10,
        max_iter: int = 100,
        fits_per_score: int = 1,
        sampler: str | Sampler = "random",
        test_size: float | None = None,
        patience: bool | int = False,
        tol: float | None = 1e-3,
        random_state: int | np.random.RandomState | None = None,
        scoring: str | Callable | None = None,
        error_score: float | str = np.nan,
        max_time: float | None = None,
        max_job_time: float | None = None,
        checkpoint: str | os.PathLike | None = None,
        progress: bool = False,
        verbose: bool | int = False,
        prefix: str = "",
        decay_rate: float = 1.0,
        scores_per_fit: int | None = None,
    ) -> None:
        super().__init__(
            estimator, parameters, n_initial_parameters=n_initial_parameters, max_iter=max_iter,
            fits_per_score=fits_per_score, sampler=sampler, test_size=test_size, patience=patience,
            tol=tol, random_state=random_state, scoring=scoring, error_score=error_score,
            max_time=max_time, max_job_time=max_job_time, checkpoint=checkpoint, progress=progress,
            verbose=verbose, prefix=prefix, decay_rate=decay_rate, scores_per_fit=scores_per_fit,
        )

    def _plan(self) -> Plan:
        return inverse_decay_plan(
            self._n_initial_parameters(), self.max_iter, self.decay_rate, self._fits_per_score(),
            self._patience() is not None,
        )

    def _warn_decay_rate(self) -> None:
        pass  # decay_rate is this search's own setting
