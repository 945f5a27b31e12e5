"""Benchmark: full ETIM model import (``manage.py import_etim``) into a fresh SQLite database.

Measures wall time and peak RSS of each step in its own child process (``os.wait4`` gives
the child's own resource usage) and compares against baselines in the same run:

- *lxml stream*: just streaming the XML out of the zip with ``lxml.etree.iterparse`` and
  clearing elements (no validation, no Django, no database): the floor for reading the file;
- *Django startup*: ``manage.py check`` — what every management command pays before work;
- *reader*: the project's validating reader (``read_ixf``) without a database.

Then the import itself, first run (everything created) and second run (nothing changes),
with ``PIM_DEBUG=0`` as in production, and once with ``PIM_DEBUG=1`` (the development
default, where Django's SQL logging costs extra). Prints a markdown section for
``docs/benchmarks.md``.

Run from the project root::

    .venv/bin/python bench/etim_import.py [--file PATH] [--no-debug-run]
"""

import argparse
import json
import os
import platform
import secrets
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).absolute().parent.parent
NS = "{http://www.etim-international.com/etimixf/1}"


def _child_lxml_stream(path: str) -> None:
    """Baseline: stream the XML with lxml iterparse, count items, clear as we go."""
    from lxml import etree

    counts = {"Unit": 0, "Feature": 0, "Value": 0, "Group": 0, "Class": 0}
    with zipfile.ZipFile(path) as archive:
        name = next(n for n in archive.namelist() if n.lower().endswith(".xml"))
        with archive.open(name) as stream:
            tags = [f"{NS}{tag}" for tag in counts]
            for _event, element in etree.iterparse(stream, tag=tags, resolve_entities=False, no_network=True):
                parent = element.getparent()
                if (
                    parent is not None
                    and parent.getparent() is not None
                    and parent.getparent().getparent() is None
                ):
                    counts[etree.QName(element).localname] += 1
                    element.clear(keep_tail=True)
                    while element.getprevious() is not None:
                        del parent[0]
    print(json.dumps(counts))


def _child_reader(path: str) -> None:
    """The project's validating reader, without a database."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pim.settings")
    django.setup()
    from pim.catalog.etim.reader import read_ixf

    counts: dict[str, int] = {}
    for record in read_ixf(path, languages=["en", "de"]):
        kind = type(record).__name__
        counts[kind] = counts.get(kind, 0) + 1
    print(json.dumps(counts))


def run(label: str, command: list[str], env: dict) -> dict:
    """Run ``command`` in a child and return wall time, the child's own peak RSS, stdout."""
    with tempfile.TemporaryFile(mode="w+") as out, tempfile.TemporaryFile(mode="w+") as err:
        started = time.perf_counter()
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=err, text=True)
        _pid, status, usage = os.wait4(process.pid, 0)
        elapsed = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        stdout, stderr = out.read(), err.read()
    if process.returncode != 0:
        sys.stderr.write(stdout + stderr)
        raise SystemExit(f"{label} failed with exit code {process.returncode}")
    peak_mb = usage.ru_maxrss / 1024  # Linux: kilobytes
    cpu = usage.ru_utime + usage.ru_stime
    print(f"  {label}: {elapsed:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak_mb:.0f} MB", file=sys.stderr)
    return {"label": label, "seconds": elapsed, "cpu": cpu, "peak_mb": peak_mb, "stdout": stdout}


def best_of(repeat: int, label: str, command: list[str], env: dict, before=None) -> dict:
    """The fastest of ``repeat`` runs (the machine may be shared; the minimum is the least
    disturbed). ``before`` runs ahead of each repetition (e.g. to restore the database)."""
    results = []
    for _ in range(repeat):
        if before is not None:
            before()
        results.append(run(label, command, env))
    return min(results, key=lambda result: result["seconds"])


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", help="ETIM zip (default: settings.PIM_ETIM_ARCHIVE)")
    parser.add_argument("--no-debug-run", action="store_true", help="skip the PIM_DEBUG=1 run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per step; the fastest counts (default 3)")
    parser.add_argument("--child", choices=["lxml", "reader"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child == "lxml":
        return _child_lxml_stream(args.file)
    if args.child == "reader":
        return _child_reader(args.file)

    standards = Path(os.environ.get("PIM_STANDARDS_DIR", ROOT.parent / "shared" / "standards"))
    archive = Path(
        args.file or os.environ.get("PIM_ETIM_ARCHIVE", standards / "etim" / "etim-6.0-ixf-en-de-nl.zip")
    )
    if not archive.is_file():
        raise SystemExit(f"ETIM archive not found: {archive}")
    python = sys.executable
    manage = [python, "manage.py"]
    me = [python, str(Path(__file__).absolute())]

    workdir = Path(tempfile.mkdtemp(prefix="etim-bench-"))
    try:
        env = {
            **os.environ,
            "PIM_VAR_DIR": str(workdir / "var"),
            "PIM_DEBUG": "0",
            "PIM_SECRET_KEY": secrets.token_urlsafe(50),
            "PIM_STANDARDS_DIR": str(standards),
            "PIM_ETIM_ARCHIVE": str(archive),
            "PYTHONPATH": str(ROOT),
        }
        env.pop("DATABASE_URL", None)  # always a fresh SQLite file in the temp dir
        print(f"Working in {workdir}", file=sys.stderr)
        run("migrate (setup, not measured)", [*manage, "migrate", "-v0"], env)
        database = workdir / "var" / "pim.sqlite3"
        pristine = workdir / "pristine.sqlite3"
        shutil.copy(database, pristine)

        def fresh_database():
            shutil.copy(pristine, database)

        repeat = max(1, args.repeat)
        import_command = [*manage, "import_etim", "--no-progress"]
        results = []
        baseline = best_of(
            repeat, "lxml iterparse stream (baseline)", [*me, "--child", "lxml", "--file", str(archive)], env
        )
        counts = json.loads(baseline["stdout"])
        results.append(baseline)
        results.append(best_of(repeat, "Django startup (manage.py check)", [*manage, "check"], env))
        results.append(
            best_of(
                repeat,
                "validating reader (read_ixf)",
                [*me, "--child", "reader", "--file", str(archive)],
                env,
            )
        )
        if not args.no_debug_run:
            debug_env = {**env, "PIM_DEBUG": "1"}
            results.append(
                best_of(repeat, "import_etim, first run (DEBUG=1)", import_command, debug_env, fresh_database)
            )
        results.append(
            best_of(repeat, "import_etim, first run (DEBUG=0)", import_command, env, fresh_database)
        )
        second = best_of(repeat, "import_etim, second run (DEBUG=0)", import_command, env)
        results.append(second)
        connection = sqlite3.connect(database)
        rows = {
            table: connection.execute(f"SELECT COUNT(*) FROM catalog_{table}").fetchone()[0]  # noqa: S608
            for table in (
                "family",
                "attribute",
                "attributeoption",
                "familyattribute",
                "familyattribute_allowed_options",
            )
        }
        connection.close()
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    with zipfile.ZipFile(archive) as zip_file:
        xml_size = max(info.file_size for info in zip_file.infolist())
    base_seconds, base_cpu, base_mb = baseline["seconds"], baseline["cpu"], baseline["peak_mb"]
    print()
    print("## ETIM model import (`import_etim`)")
    print()
    print(
        f"- Machine: {os.cpu_count()} CPUs (`nproc`), {cpu_model()}; Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version} (fresh file database in a temp dir)."
    )
    print(
        f"- Data: {archive.name}, {archive.stat().st_size / 1e6:.1f} MB zip / {xml_size / 1e6:.1f} MB XML; "
        f"{counts['Class']} classes, {counts['Feature']} features, {counts['Value']} values, "
        f"{counts['Unit']} units, {counts['Group']} groups."
    )
    print(
        f"- Written: {rows['family']} families, {rows['attribute']} attributes, {rows['attributeoption']} options, "
        f"{rows['familyattribute']} family attributes, {rows['familyattribute_allowed_options']} allowed-option links."
    )
    print(
        "- Command: `.venv/bin/python bench/etim_import.py` (each step a child process; peak RSS from `wait4`)."
    )
    print()
    print(
        f"Best of {repeat} runs per step (by wall time). CPU time is user+system of the process: "
        "on a shared machine it is the steadier number."
    )
    print()
    print("| step | wall time | × baseline | CPU time | × baseline | peak RSS | × baseline |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for result in results:
        print(
            f"| {result['label']} | {result['seconds']:.1f} s | {result['seconds'] / base_seconds:.1f} | "
            f"{result['cpu']:.1f} s | {result['cpu'] / base_cpu:.1f} | "
            f"{result['peak_mb']:.0f} MB | {result['peak_mb'] / base_mb:.1f} |"
        )
    keep = ("families:", "family attributes:", "allowed-option links:", "Nothing to change")
    summary_lines = [line.strip() for line in second["stdout"].splitlines() if line.strip().startswith(keep)]
    print()
    print("Second run (idempotence): " + "; ".join(summary_lines))


if __name__ == "__main__":
    main()
