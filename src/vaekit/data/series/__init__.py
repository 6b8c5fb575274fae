"""Real-valued time series of different lengths: the .npy reader and the data kind "series"."""
