"""Exceptions the CLI turns into exit codes and messages."""


class CrimeplanError(Exception):
    """Base class: a failure the user should read about, not a traceback."""

    exit_code = 1


class InputError(CrimeplanError):
    """Bad input: params, data, catalogue, reference or commentary (exit code 2)."""

    exit_code = 2


class ExecutionError(CrimeplanError):
    """A notebook or a renderer failed while producing the update (exit code 3)."""

    exit_code = 3


class LockedError(CrimeplanError):
    """Another render of the same quarter holds the lock (exit code 4)."""

    exit_code = 4
