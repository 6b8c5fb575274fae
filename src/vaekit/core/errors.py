"""The one exception type the command line turns into a clean one-line error (exit status 2)."""


class VaekitError(ValueError):
    """A problem with the user's input: a bad setting, a missing or corrupt file, bad data.

    The message is one line that says what is wrong and, where it can, how to fix it.
    """


class DataError(VaekitError):
    """A dataset could not be found, read or validated."""


class ConfigError(VaekitError):
    """A setting is unknown, of the wrong type or out of range."""
