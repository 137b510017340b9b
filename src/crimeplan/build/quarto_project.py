"""``quarto render`` and ``quarto preview`` at a project's root: crimeplan's steps in them.

The root ``_quarto.yml`` names two steps (``_extensions/crimeplan/render-step.py``, which
runs ``crimeplan quarto pre-render`` / ``post-render`` in the project's Python):

* **pre-render** renders the quarter of the active profile (``_quarto-<quarter>.yml``) as
  ``crimeplan render`` does — the same checks first (a bad input stops Quarto with
  crimeplan's message, before anything is written), the notebooks whose inputs changed
  executed by Papermill on warm kernels, the others reused from the published update —
  in a private build folder, and stages the combined notebook ``update.ipynb`` at the
  root, which the profile names as the one file to render;
* Quarto renders it with the ``crimeplan-html`` and ``crimeplan-typst`` formats of the
  extension, without executing anything, into the profile's ``output-dir``
  (``outputs/<quarter>``);
* **post-render** moves Quarto's two files into the build folder, writes the manifest and
  swaps the build in for the published update, as ``crimeplan render`` does.

A quarter's profile holds its ``output-dir`` and its cover facts (from ``params/``);
:func:`write_profiles` writes one for every quarter in ``params/`` and makes the latest the
default. With no quarter profile active (the ``lab`` profile) the pre-render step writes
only the page header with the offline Vega bundle, and post-render takes out the CDN
scripts Quarto adds to a notebook page with HTML outputs, which the charts do not need.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import yaml
from rich.console import Console

from crimeplan.build.render import RENDERERS
from crimeplan.build.render.document import EXTENSION, CoverFacts
from crimeplan.build.render.quarto import (
    HEADER,
    NOTEBOOK,
    PROJECT_EXTENSION,
    SUPPORT,
    page_header,
    stage,
)
from crimeplan.errors import ExecutionError, InputError
from crimeplan.inputs.params import available_quarters, load_plan, load_quarter
from crimeplan.periods import Quarter
from crimeplan.project import Project

CONFIG = "_quarto.yml"
PENDING = "pending.json"  # in the support folder: the build that post-render publishes
LAB = "lab"
LAB_OUTPUT = "outputs/lab"
DEFAULT_PROFILE = re.compile(r"^(profile:\n(?:[ \t]*#.*\n)*[ \t]+default:[ \t]*)(\S*)", re.M)
# What Quarto's Jupyter support puts in a page with text/html outputs (core/jupyter/widgets.ts):
# RequireJS and jQuery from a CDN, which the lab pages' charts do not use.
CDN_SCRIPTS = re.compile(
    r'<script src="https://cdn\.jsdelivr\.net/npm/(?:requirejs|jquery)@[^"]*"[^>]*></script>\n?'
    r"|<script type=\"application/javascript\">define\('jquery'[^<]*</script>\n?"
)


def profile_path(project: Project, quarter: Quarter) -> Path:
    return project.root / f"_quarto-{quarter.id}.yml"


def profile_text(project: Project, quarter: Quarter) -> str:
    """The quarter's Quarto profile: its output folder, the one file to render, its cover facts."""
    cover = CoverFacts.of(load_plan(project.params_dir), load_quarter(project.params_dir, quarter.id))
    config = {"project": {"output-dir": f"outputs/{quarter.id}", "render": [NOTEBOOK]}, **cover.metadata()}
    return (
        f"# {quarter.label}: `quarto render --profile {quarter.id}` renders this quarter's update into\n"
        f"# outputs/{quarter.id}/. Written from params/ by crimeplan (`crimeplan quarto profiles`).\n"
        + yaml.safe_dump(config, sort_keys=False, allow_unicode=True)
    )


def write_profiles(project: Project) -> list[Path]:
    """A profile for every quarter in ``params/`` whose profile is missing or out of date,
    and the latest quarter as ``_quarto.yml``'s default profile; the files written (none
    in a project without ``_quarto.yml``)."""
    config = project.root / CONFIG
    if not config.is_file():
        return []
    written = []
    quarters = [Quarter.parse(q) for q in available_quarters(project.params_dir)]
    for quarter in quarters:
        path, text = profile_path(project, quarter), profile_text(project, quarter)
        if not path.is_file() or path.read_text(encoding="utf-8") != text:
            path.write_text(text, encoding="utf-8")
            written.append(path)
    if quarters:
        text = config.read_text(encoding="utf-8")
        updated = DEFAULT_PROFILE.sub(lambda m: m.group(1) + quarters[-1].id, text, count=1)
        if updated != text:
            config.write_text(updated, encoding="utf-8")
            written.append(config)
    return written


def install(project: Project) -> list[Path]:
    """Make a new project a Quarto project: the extension in ``_extensions/crimeplan/`` (as
    ``quarto add`` installs one) and the quarters' profiles; the files written."""
    target = project.root / PROJECT_EXTENSION
    shutil.copytree(Path(str(EXTENSION)), target, ignore=shutil.ignore_patterns("__pycache__"))
    return sorted(target.iterdir()) + write_profiles(project)


def active_quarter() -> Quarter | None:
    """The quarter whose profile Quarto has active (``QUARTO_PROFILE``), if any."""
    quarters = []
    for name in filter(None, (p.strip() for p in os.environ.get("QUARTO_PROFILE", "").split(","))):
        try:
            quarters.append(Quarter.parse(name))
        except InputError:
            continue  # another profile, such as lab
    if len(quarters) > 1:
        raise InputError(
            f"profiles of {len(quarters)} quarters are active ({', '.join(q.id for q in quarters)}): "
            "render one quarter at a time"
        )
    return quarters[0] if quarters else None


def pre_render(project: Project, console: Console, jobs: int) -> None:
    """Quarto's pre-render step; see the module docstring."""
    import tempfile

    from crimeplan.build import freshness
    from crimeplan.build.kernels import Kernels
    from crimeplan.build.pipeline import (
        _build,
        _published_manifest,
        _quarter_lock,
        notebook_parameters,
        notebook_paths,
        recover,
    )

    support = project.root / SUPPORT
    _discard_pending(project)
    quarter = active_quarter()
    if quarter is None:
        support.mkdir(exist_ok=True)
        (support / HEADER).write_text(page_header(), encoding="utf-8")
        return
    path = profile_path(project, quarter)
    if not path.is_file() or path.read_text(encoding="utf-8") != profile_text(project, quarter):
        raise InputError(
            f"{path.name} does not match params/{quarter.id}.yml: `crimeplan quarto profiles` writes it again",
            file=project.shown(path),
            rule="quarto_profile_current",
        )
    renderer = RENDERERS["quarto"]
    project.outputs_dir.mkdir(parents=True, exist_ok=True)
    notebooks = notebook_paths(project, load_plan(project.params_dir))
    parameters = notebook_parameters(project, quarter)
    final_dir = project.outputs_dir / quarter.id
    with Kernels(jobs, project.notebooks_dir) as kernels, _quarter_lock(project, quarter, -1, console):
        recover(project, quarter, console)
        keys = freshness.notebook_keys(project, quarter, notebooks, parameters)
        previous = _published_manifest(final_dir)
        to_execute = [p for p in notebooks if previous.get("inputs", {}).get(p.stem) != keys[p.stem]]
        build_dir = Path(tempfile.mkdtemp(prefix=f".build-{quarter.id}-", dir=project.outputs_dir))
        build_dir.chmod(0o755)
        try:
            result = _build(
                project,
                quarter,
                renderer,
                notebooks,
                to_execute,
                parameters,
                final_dir,
                build_dir,
                kernels,
                console,
                render=lambda root, executed, cover, _: stage(executed, cover, root),
            )
        except BaseException:
            shutil.rmtree(build_dir, ignore_errors=True)
            raise
    pending = {
        "quarter": quarter.id,
        "build_dir": str(build_dir),
        "keys": keys,
        "previous_seconds": previous.get("notebook_seconds", {}),
        "previous_files": previous.get("files", {}),
        "notebook_seconds": result.notebook_seconds,
        "execute_seconds": result.execute_seconds,
    }
    (support / PENDING).write_text(json.dumps(pending, indent=2), encoding="utf-8")
    console.log(f"Staged {NOTEBOOK} for Quarto: {quarter.label}")


def post_render(project: Project, console: Console) -> None:
    """Quarto's post-render step; see the module docstring.

    A format Quarto did not render this time (``quarto preview`` renders the HTML only)
    keeps the published file when that was made from the same executed notebooks, and is
    otherwise left out until the next full render (the update is then not up to date)."""
    from crimeplan.build.pipeline import UPDATE_FILES, RenderResult, _publish, _quarter_lock, _write_manifest

    pending_path = project.root / SUPPORT / PENDING
    if not pending_path.is_file():
        _strip_cdn_scripts(project.root / LAB_OUTPUT)
        return
    pending = json.loads(pending_path.read_text(encoding="utf-8"))
    quarter, build_dir = Quarter.parse(pending["quarter"]), Path(pending["build_dir"])
    renderer, final_dir = RENDERERS["quarto"], project.outputs_dir / quarter.id
    rendered = {Path(name).name for name in os.environ.get("QUARTO_PROJECT_OUTPUT_FILES", "").splitlines()}
    with _quarter_lock(project, quarter, -1, console):
        try:
            for name in UPDATE_FILES:
                published = final_dir / name
                if name in rendered or _made_from_the_same_notebooks(published, pending["previous_files"], build_dir):
                    shutil.move(published, build_dir / name)
            if not any((build_dir / name).is_file() for name in UPDATE_FILES):
                raise ExecutionError(f"quarto render wrote neither {' nor '.join(UPDATE_FILES)}")
            result = RenderResult(
                quarter, final_dir, "quarto", 0.0, pending["notebook_seconds"], pending["execute_seconds"]
            )
            _write_manifest(
                build_dir,
                quarter,
                renderer,
                pending["keys"],
                project,
                result,
                {"notebook_seconds": pending["previous_seconds"]},
            )
            _publish(build_dir, final_dir)
        finally:
            shutil.rmtree(build_dir, ignore_errors=True)
            pending_path.unlink()
    console.log(f"Published {quarter.label}: {project.shown(final_dir)}")


def _made_from_the_same_notebooks(published: Path, previous_files: dict[str, str], build_dir: Path) -> bool:
    """Whether the published ``published`` is intact and was rendered from exactly the
    executed notebooks now in ``build_dir``."""
    from crimeplan.inputs.files import file_digest

    notebooks = {name: digest for name, digest in previous_files.items() if name.startswith("notebooks/")}
    return (
        published.is_file()
        and previous_files.get(published.name) == file_digest(published)
        and bool(notebooks)
        and notebooks
        == {str(p.relative_to(build_dir)): file_digest(p) for p in (build_dir / "notebooks").glob("*.ipynb")}
    )


def _discard_pending(project: Project) -> None:
    """The build folder of an earlier pre-render whose Quarto render failed."""
    pending_path = project.root / SUPPORT / PENDING
    if pending_path.is_file():
        shutil.rmtree(json.loads(pending_path.read_text(encoding="utf-8"))["build_dir"], ignore_errors=True)
        pending_path.unlink()


def _strip_cdn_scripts(folder: Path) -> None:
    for page in folder.rglob("*.html"):
        text = page.read_text(encoding="utf-8")
        stripped = CDN_SCRIPTS.sub("", text)
        if stripped != text:
            page.write_text(stripped, encoding="utf-8")
