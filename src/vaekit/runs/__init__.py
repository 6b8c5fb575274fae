"""A run directory: its files (config.json, model.safetensors), its lock, and the Run object that a command opens
once and reads from.
"""
