"""Where a data set comes from: a registered name or a path, dispatched to the reader of its modality."""
