"""Tagging a partitioned corpus on a Dask cluster (`newstag batch`).

`partitions` lists, reads and writes partitions and needs no Dask; `engine` runs them on a
cluster and is imported only when a batch runs, so Dask stays off the CLI's start-up path.
"""
