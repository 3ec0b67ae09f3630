"""hbsearch: Hyperband hyperparameter search for scikit-learn estimators on Dask."""

from .search import HyperbandSearchCV, IncrementalSearchCV, SuccessiveHalvingSearchCV
from .space import SearchSpace

__version__ = "0.1.0"

__all__ = [
    "HyperbandSearchCV",
    "SuccessiveHalvingSearchCV",
    "IncrementalSearchCV",
    "SearchSpace",
    "__version__",
]
