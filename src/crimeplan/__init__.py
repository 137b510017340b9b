"""crimeplan: Police and Crime Plan quarterly updates from data."""

from crimeplan.errors import CrimeplanError, ExecutionError, InputError

__all__ = ["CrimeplanError", "InputError", "ExecutionError"]
