"""Tables (.csv, .parquet) as typed vectors: continuous, binary and categorical columns, missing cells."""
