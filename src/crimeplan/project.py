"""A crimeplan project: the folders its inputs and outputs live in, relative to its root."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Project:
    """Where a project's inputs and outputs live (all relative to its root)."""

    root: Path

    @property
    def data_dir(self) -> Path:
        return self.root / "data"

    @property
    def params_dir(self) -> Path:
        return self.root / "params"

    @property
    def notebooks_dir(self) -> Path:
        return self.root / "notebooks"

    @property
    def outputs_dir(self) -> Path:
        return self.root / "outputs"

    def require_inputs(self) -> None:
        """Refuse, in one plain message, a root that is not a crimeplan project."""
        if not (self.params_dir / "plan.yml").is_file() and not self.data_dir.is_dir():
            from crimeplan.errors import InputError

            raise InputError(f"{self.root} is not a crimeplan project root: it has no params/plan.yml and no "
                             "data/ folder. Run crimeplan from the project's folder, or name it with --root.",
                             rule="project_root")

    def shown(self, path: Path) -> str:
        """``path`` as the user knows it: relative to the project root where it is inside."""
        try:
            return str(Path(path).relative_to(self.root))
        except ValueError:
            return str(path)
