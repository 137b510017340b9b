"""Renderers: executed notebooks -> one HTML and one PDF update.

Every renderer has the same interface (:class:`Renderer`); the pipeline picks one from
:data:`RENDERERS` by name, or the best available for ``auto``.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from crimeplan.errors import InputError


@dataclass(frozen=True)
class Renderer:
    """How to turn executed notebooks into ``update.html`` and ``update.pdf`` in a build folder."""

    name: str
    module: str  # imported only when the renderer runs
    function: str  # (project_root, notebooks, cover, build_dir) -> {"html": path, "pdf": path}
    available: Callable[[], bool]
    missing: str = ""  # what to install when it is not available
    project_files: tuple[str, ...] = ()  # files of the project it reads, relative to the root

    def render(self, project_root: Path, notebooks: list[Path], cover, build_dir: Path) -> dict[str, Path]:
        return getattr(import_module(self.module), self.function)(project_root, notebooks, cover, build_dir)


RENDERERS = {
    "quarto": Renderer("quarto", "crimeplan.build.render.quarto", "render_quarto", lambda: shutil.which("quarto") is not None,
                       missing="the `quarto` command is not on PATH (install Quarto >= 1.5)",
                       project_files=("_quarto.yml",)),
    "builtin": Renderer("builtin", "crimeplan.build.render.builtin", "render_builtin", lambda: True),
}
AUTO = "auto"
CHOICES = (AUTO, *RENDERERS)


def choose_renderer(requested: str) -> Renderer:
    """The renderer named ``requested``, or for ``auto`` the first available (Quarto first)."""
    if requested == AUTO:
        return next(renderer for renderer in RENDERERS.values() if renderer.available())
    renderer = RENDERERS[requested]
    if not renderer.available():
        raise InputError(f"--renderer {requested}: {renderer.missing}")
    return renderer
