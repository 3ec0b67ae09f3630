"""Running a driver's jobs on a Dask cluster: the only package that knows Dask.

The data is split and persisted once (:mod:`.data`): training blocks and
validation shards stay on the workers, shared by every model. Each job of the
driver becomes tasks (:mod:`.tasks`) submitted with the model's priority by
the search loop (:mod:`.loop`): ``partial_fit`` calls over training blocks,
then a score. When the data is small (the usual case), that is one task per
job. A task holds at most :func:`task_memory` bytes of training blocks, so a
long job over large data is a chain of tasks; a validation set larger than
that is kept in shards, each scored where it lives. What depends on the kind
of data (dask array, dask DataFrame, in memory) is in :mod:`.inputs`; the
cluster itself in :mod:`.cluster`.
"""

from .cluster import active_client, client_for_fit, close_local_cluster, is_future, release, task_memory
from .data import BlockOrder, ClusterData, distinct_values, persist_split
from .inputs import apply_blockwise, as_blocks, describe_data, estimated_sizes, materialize
from .loop import TASK_SECONDS, SearchOutcome, run_search, task_groups

__all__ = [
    "active_client",
    "BlockOrder",
    "ClusterData",
    "SearchOutcome",
    "TASK_SECONDS",
    "apply_blockwise",
    "as_blocks",
    "client_for_fit",
    "close_local_cluster",
    "describe_data",
    "distinct_values",
    "estimated_sizes",
    "is_future",
    "materialize",
    "persist_split",
    "release",
    "run_search",
    "task_groups",
    "task_memory",
]
