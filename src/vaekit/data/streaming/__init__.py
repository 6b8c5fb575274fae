"""Data too large for memory, read from disk in blocks (.npy, Parquet, image folders, tar shards, IDX)."""
