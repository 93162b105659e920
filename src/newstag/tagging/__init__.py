"""Tagging articles: a stream in this process, several processes, or a Dask cluster (batch/)."""
