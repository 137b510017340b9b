"""crimeplan: Police and Crime Plan quarterly updates from data."""

from crimeplan.errors import CrimeplanError, InputError, ExecutionError

__all__ = ["CrimeplanError", "InputError", "ExecutionError"]
