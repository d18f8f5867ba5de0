"""Batch features and scores on a Dask cluster, for data larger than one machine.

The tables are read as partitioned Parquet, each creator's rows are brought into one partition,
and every partition goes through the same code as the in-memory path (``dataset_from_frames``,
``build_features``, ``score_dataset``), so a creator gets the same features and scores either way.
"""
