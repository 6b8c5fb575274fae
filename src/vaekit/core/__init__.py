"""The ground floor: errors, the registries, atomic file writes, progress bars, seeded draws, notices and
facts about the machine. Imports nothing else of vaekit.
"""
