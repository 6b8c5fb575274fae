"""Synthetic tables: generated rows that imitate a real table, and how good they are against it (quality.py: the
columns, pairs of columns, validity, privacy and usefulness for a model, in SDMetrics' terms).
"""
