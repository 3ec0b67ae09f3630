"""hbsearch: Hyperband hyperparameter search for scikit-learn estimators on Dask."""

__version__ = "0.1.0"

from .asktell import HyperbandOptimizer, Trial  # noqa: E402
from .engine.cluster import close_local_cluster  # noqa: E402
from .search import (  # noqa: E402
    HyperbandSearchCV,
    IncrementalSearchCV,
    InverseDecaySearchCV,
    SuccessiveHalvingSearchCV,
)
from .space import SearchSpace  # noqa: E402

__all__ = [
    "HyperbandSearchCV",
    "SuccessiveHalvingSearchCV",
    "IncrementalSearchCV",
    "InverseDecaySearchCV",
    "SearchSpace",
    "HyperbandOptimizer",
    "Trial",
    "close_local_cluster",
    "__version__",
]
