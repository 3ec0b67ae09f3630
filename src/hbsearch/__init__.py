"""hbsearch: Hyperband hyperparameter search for scikit-learn estimators on Dask."""

__version__ = "0.1.0"

from .search import HyperbandSearchCV, IncrementalSearchCV, SuccessiveHalvingSearchCV  # noqa: E402
from .space import SearchSpace  # noqa: E402

__all__ = [
    "HyperbandSearchCV",
    "SuccessiveHalvingSearchCV",
    "IncrementalSearchCV",
    "SearchSpace",
    "__version__",
]
