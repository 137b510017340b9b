"""crimeplan: render, check and ingest Police and Crime Plan quarterly updates.

Exit codes: 0 success; 1 an unexpected error (a bug: --debug shows the traceback);
2 bad input (nothing rendered, previous update untouched); 3 a notebook or renderer
failed (previous update untouched); 4 another render of the same quarter holds the lock;
5 the output folder is not writable or the disk is full; 130 interrupted.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from crimeplan.build import interrupts
from crimeplan.build.render import CHOICES as RENDERER_CHOICES
from crimeplan.errors import CrimeplanError, InputError

EXIT_INTERRUPTED = 130
EXIT_UNEXPECTED = 1
CELL_TIMEOUT_SECONDS = 600
JOBS_VARIABLE = "CRIMEPLAN_JOBS"  # the default of --jobs, where the CPU count is not wanted
RENDER_EPILOG = """\
Before executing anything, render runs the same checks as `crimeplan check QUARTER`; if
any input is bad it lists every problem and stops. Notebooks whose inputs did not change since the published
update are reused; when nothing changed, the update is left untouched (--force renders
again). The update is built aside and swapped in only when everything succeeded.

exit codes:
  0    the update was written (or was already up to date)
  1    an unexpected error: a bug in crimeplan (--debug shows the traceback)
  2    bad input (params, data, catalogue, reference or commentary); nothing rendered
  3    a notebook (an error, a cell over --cell-timeout, a dead kernel) or the renderer
       failed; the previous update was left as it was
  4    another render of the same quarter holds the lock (see --lock-timeout)
  5    outputs/ is not writable or the disk is full; the previous update was left as it was
  130  interrupted (Ctrl-C or SIGTERM); the previous update was left as it was
"""


def jobs_count(text: str) -> int:
    """A ``--jobs`` value (or ``$CRIMEPLAN_JOBS``): a whole number of kernels, at least 1."""
    if not text.strip().isdecimal() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of notebooks to run at once (1 or more; "
                                         f"also read from ${JOBS_VARIABLE})")
    return int(text)


def default_jobs() -> str:
    """``$CRIMEPLAN_JOBS`` when set (checked as ``--jobs`` is), else the CPU count."""
    return os.environ.get(JOBS_VARIABLE) or str(os.cpu_count() or 1)


class _Version(argparse.Action):
    """``--version``: the installed version, looked up only when asked for (importing
    ``importlib.metadata`` would delay every command, a render's kernels included, by 50 ms)."""

    def __init__(self, option_strings, dest, **kwargs) -> None:
        super().__init__(option_strings, dest, nargs=0, default=argparse.SUPPRESS,
                         help="show the version and exit")

    def __call__(self, parser, namespace, values, option_string=None) -> None:
        from importlib.metadata import version

        print(f"crimeplan {version('crimeplan')}")
        parser.exit()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="crimeplan", description=__doc__.splitlines()[0])
    parser.add_argument("--version", action=_Version)
    parser.add_argument("--root", type=Path, default=Path.cwd(), help="project root (default: current folder)")
    parser.add_argument("--debug", action="store_true", help="show the traceback of an unexpected error")
    parser.add_argument("--allow-outside-root", action="store_true",
                        help="read input files that are links to places outside the project folder "
                        "(refused by default)")
    commands = parser.add_subparsers(dest="command", required=True)

    render = commands.add_parser("render", help="render a quarter's update to outputs/<quarter>/",
                                 description="Render a quarter's update to outputs/<quarter>/.",
                                 epilog=RENDER_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = render.add_mutually_exclusive_group(required=True)
    which.add_argument("quarter", nargs="?", help="quarter id, e.g. 2019-20-Q2, or 'latest'")
    which.add_argument("--all", action="store_true", help="render every quarter in params/")
    render.add_argument("--jobs", type=jobs_count, default=default_jobs(),
                        help=f"notebooks run at once (default: ${JOBS_VARIABLE} when set, else the CPU count)")
    render.add_argument("--renderer", choices=RENDERER_CHOICES, default="auto",
                        help="quarto when installed (auto), or the built-in Pandoc + Typst renderer")
    render.add_argument("--force", action="store_true",
                        help="execute every notebook and render again, even if nothing changed")
    render.add_argument("--strict", action="store_true",
                        help="treat warnings (unlikely figures, unused rows...) as errors: render nothing")
    render.add_argument("--lock-timeout", type=float, default=-1,
                        help="seconds to wait for another render of the same quarter (default: wait; 0: fail at once)")
    render.add_argument("--cell-timeout", type=float, default=CELL_TIMEOUT_SECONDS,
                        help=f"seconds a notebook cell may run before the render stops (default: {CELL_TIMEOUT_SECONDS})")

    check = commands.add_parser("check", help="validate params and data; render nothing")
    check.add_argument("quarter", nargs="?", help="quarter id (default: every quarter in params/)")
    check.add_argument("--strict", action="store_true", help="treat warnings as errors (exit code 2)")
    check.add_argument("--verbose", action="store_true",
                       help="list every row still waiting for a value, not one line per file")

    new = commands.add_parser("new-quarter", help="start a quarter from the previous one: params, a measures "
                              "template to fill in, commentary headings")
    new.add_argument("quarter", help="the new quarter's id, e.g. 2019-20-Q3")

    ingest = commands.add_parser("ingest", help="turn public data into data/measures/<source>.csv")
    ingest.add_argument("source", help="police-uk, home-office-workforce, recorded-crime, ons-recorded-crime, "
                        "workforce-open-data, stats19 or mps-borough")
    ingest.add_argument("paths", nargs="+", type=Path, help="files, folders or archives to read")

    init = commands.add_parser("init", help="create a project for a territorial police force in a new folder",
                               description="Create a working project for one of the 43 territorial police forces "
                               "of England and Wales: plan, quarter params, catalogue, notebooks, reference data, "
                               "Makefile and README. Refuses a folder that is not empty.")
    init.add_argument("directory", type=Path, help="the new project's folder (absent or empty)")
    init.add_argument("--force", required=True, metavar="NAME",
                      help="the force's area as the Home Office writes it (the forces of data/reference/force_districts.csv); "
                           "a misspelt name gets the closest matches")
    init.add_argument("--quarter", help="the first quarter's id, e.g. 2019-20-Q2 (default: the last quarter that ended)")
    init.add_argument("--from", dest="source", type=Path,
                      help="the crimeplan checkout to take reference data from and install (default: this one)")

    quarto = commands.add_parser("quarto", help="the steps of `quarto render` at the project root (_quarto.yml), "
                                 "and the quarters' Quarto profiles",
                                 description="pre-render and post-render are the steps _quarto.yml names (Quarto "
                                 "runs them); profiles writes _quarto-<quarter>.yml for every quarter in params/ "
                                 "and makes the latest the default profile.")
    quarto.add_argument("step", choices=["pre-render", "post-render", "profiles"])
    quarto.add_argument("--jobs", type=jobs_count, default=default_jobs(),
                        help=f"notebooks run at once in pre-render (default: ${JOBS_VARIABLE}, else the CPU count)")

    reference = commands.add_parser("reference", help="derive data/reference/force_districts.csv and "
                                    "lsoa_districts.csv from the ONS lookups")
    reference.add_argument("lookups", type=Path, help="folder holding the ONS lookups "
                           "(lsoa11_to_lad_to_police_force.csv, LAD16_CSP16_PFA16_lookup.csv)")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    interrupts.install()  # clean up like Ctrl-C: stop kernels, keep the old update
    if args.allow_outside_root:
        from crimeplan.inputs.files import ALLOW_OUTSIDE_ROOT

        os.environ[ALLOW_OUTSIDE_ROOT] = "1"  # the notebook kernels read it too
    from rich.console import Console
    from rich.markup import escape

    from crimeplan.project import Project

    console = Console(stderr=True, log_path=False)
    project = Project(args.root.resolve())
    try:
        if args.command == "init":
            return _init(args, console)
        if args.command == "reference":
            return _reference(project, args, console)
        if args.command != "ingest":
            project.require_inputs()
        if args.command == "render":
            return _render(project, args, console)
        if args.command == "check":
            return _check(project, args, console)
        if args.command == "new-quarter":
            return _new_quarter(project, args.quarter, console)
        if args.command == "quarto":
            return _quarto(project, args, console)
        return _ingest(project, args, console)
    except CrimeplanError as error:
        console.print(f"[bold red]error:[/] {escape(str(error))}", highlight=False, soft_wrap=True)
        return error.exit_code
    except BaseException as error:
        if isinstance(error, KeyboardInterrupt) or interrupts.received():
            console.print("[bold red]interrupted:[/] the previous update was left as it was")
            return EXIT_INTERRUPTED
        if args.debug or not isinstance(error, Exception):
            raise
        console.print(f"[bold red]error:[/] unexpected {type(error).__name__}: {escape(str(error))} "
                      "(a bug in crimeplan: run again with --debug for the traceback, and report it)",
                      highlight=False, soft_wrap=True)
        return EXIT_UNEXPECTED


def _render(project, args: argparse.Namespace, console) -> int:
    from crimeplan.build.kernels import Kernels

    # The kernels' parent process starts before the render's own imports: its imports take longest.
    with Kernels(args.jobs, project.notebooks_dir, args.cell_timeout) as kernels:
        from crimeplan.inputs.params import available_quarters, resolve_quarter
        from crimeplan.periods import Quarter

        if args.all:
            quarters = [Quarter.parse(q) for q in available_quarters(project.params_dir)]
            if not quarters:
                raise InputError("no quarter params files to render", file=project.params_dir)
        else:
            quarters = [resolve_quarter(project.params_dir, args.quarter)]
        for quarter in quarters:
            _render_one(project, quarter, args, console, kernels)
    return 0


def _render_one(project, quarter, args: argparse.Namespace, console, kernels) -> None:
    from rich.markup import escape

    from crimeplan.build.pipeline import render_quarter

    result = render_quarter(
        project, quarter, jobs=args.jobs, renderer=args.renderer, console=console,
        lock_timeout=args.lock_timeout, force=args.force, kernels=kernels, strict=args.strict,
    )
    if result.up_to_date:
        console.print(f"[green]{quarter} is up to date[/]: nothing changed since the last render "
                      f"({escape(str(result.output_dir))}; --force renders again)", highlight=False, soft_wrap=True)
        return
    console.print(
        f"[green]Rendered {result.quarter}[/] in {result.seconds:.1f} s "
        f"({len(result.notebook_seconds)} notebooks executed in {result.execute_seconds:.1f} s, "
        f"{result.renderer} renderer): "
        f"{escape(str(result.output_dir / 'update.html'))}, {escape(str(result.output_dir / 'update.pdf'))}",
        highlight=False, soft_wrap=True,
    )


def _quarto(project, args: argparse.Namespace, console) -> int:
    from crimeplan.build import quarto_project

    if args.step == "pre-render":
        quarto_project.pre_render(project, console, args.jobs)
    elif args.step == "post-render":
        quarto_project.post_render(project, console)
    else:
        for path in quarto_project.write_profiles(project):
            console.print(f"wrote {project.shown(path)}", highlight=False)
    return 0


def _check(project, args: argparse.Namespace, console) -> int:
    from crimeplan.findings.check import CheckReport, check_project
    from crimeplan.inputs.params import resolve_quarter

    quarter = None if args.quarter is None else resolve_quarter(project.params_dir, args.quarter)
    report = CheckReport(check_project(project, quarter).shown(args.verbose))
    for problem in report.problems:
        console.print(str(problem), highlight=False, soft_wrap=True, markup=False)
    if report.errors or (args.strict and report.warnings):
        strict = " (--strict: warnings count as errors)" if args.strict and report.warnings else ""
        console.print(f"[bold red]{len(report.errors)} error(s)[/], {len(report.warnings)} warning(s){strict}")
        return InputError.exit_code
    console.print(f"[green]OK[/]: no errors, {len(report.warnings)} warning(s)")
    return 0


def _new_quarter(project, quarter_id: str, console) -> int:
    from crimeplan.build.quarto_project import write_profiles
    from crimeplan.periods import Quarter
    from crimeplan.scaffold.new_quarter import new_quarter

    quarter = Quarter.parse(quarter_id)
    for path in [*new_quarter(project, quarter), *write_profiles(project)]:
        console.print(f"wrote {project.shown(path)}", highlight=False, markup=False)
    console.print(f"Next: fill in the values in data/measures/{quarter.id}.csv and the commentary, check the "
                  f"params, then `crimeplan check {quarter.id}` lists what is still empty.", highlight=False,
                  markup=False)
    return 0


def _ingest(project, args: argparse.Namespace, console) -> int:
    from crimeplan.ingest import SOURCES, ingest

    if args.source not in SOURCES:
        raise InputError(f"unknown source {args.source!r}: choose one of {', '.join(SOURCES)}")
    report = ingest(args.source, args.paths, project.data_dir, progress=True)
    console.print(str(report), highlight=False, soft_wrap=True, markup=False)
    return 0


def _init(args: argparse.Namespace, console) -> int:
    from crimeplan.periods import Quarter
    from crimeplan.scaffold.init import init_project

    quarter = Quarter.parse(args.quarter) if args.quarter else None
    force, written = init_project(args.directory, args.force, args.source, quarter)
    root = args.directory.resolve()
    from crimeplan.build import quarto_project
    from crimeplan.project import Project

    written += quarto_project.install(Project(root))
    console.print(f"Created a project for {force} in {root} ({len(written)} files).", highlight=False, markup=False)
    console.print(f"Next: cd {args.directory}; make setup; .venv/bin/crimeplan ingest SOURCE PATH... for each public "
                  "source (police-uk, home-office-workforce, recorded-crime then ons-recorded-crime, "
                  "workforce-open-data, and stats19 or mps-borough where the plan shows them); make check; make render. "
                  "README.md says what to edit.",
                  highlight=False, markup=False, soft_wrap=True)
    return 0


def _reference(project, args: argparse.Namespace, console) -> int:
    from crimeplan.ingest.reference import write_derived

    for path in write_derived(args.lookups, project.data_dir / "reference"):
        console.print(f"wrote {project.shown(path)} ({path.stat().st_size:,} bytes)", highlight=False, markup=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
