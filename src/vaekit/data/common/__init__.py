"""What every data reader shares: load options, splits, conversion of arrays into examples, downloads, file
locations, fingerprints and generated sources' settings."""
