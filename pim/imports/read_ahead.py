"""Reading a large workbook's rows in a second process while this one plans them.

Parsing the sheet's XML is an eighth of a dry run; the machine has more than one core. The
rows generator, already positioned after the header row, is continued in a forked child,
which sends the rows (plain cell values) back in chunks through a pipe; planning, the
catalog's reads and every write stay in this process. A damaged workbook raises the same
error at the same row as when it is read here.

Only where forking is safe: a POSIX system and a process with one thread (the task worker,
the management command). A web process with threads reads in-process, as does a file too
small to be worth a process.
"""

import logging
import multiprocessing
import os
import signal
import threading
from pathlib import Path

logger = logging.getLogger(__name__)

# Rows sent per message: large enough that pickling is cheap per row, small enough that the
# pipe's buffer keeps both processes busy.
CHUNK = 200
# Files with fewer data rows are read in-process.
MIN_ROWS = 2_000

# The reading process's private memory at its end (MB), of the last read ahead (for the
# benchmark, which reports it beside this process's peak), or None.
last_reader_memory_mb: float | None = None


class ReaderStopped(Exception):
    """The reading process ended without sending the end of the rows."""


def available(total_rows: int | None) -> bool:
    """Whether ``total_rows`` data rows are read in a second process here."""
    return (
        (total_rows or 0) >= MIN_ROWS
        and hasattr(os, "fork")
        and "fork" in multiprocessing.get_all_start_methods()
        and threading.active_count() == 1
    )


def read_ahead(rows):
    """What ``rows`` yields, produced by a forked child process (see the module docstring).
    This process must not use ``rows`` itself afterwards."""
    global last_reader_memory_mb
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    process = context.Process(target=_produce, args=(rows, sender), name="pim-import-reader", daemon=True)
    process.start()
    sender.close()
    last_reader_memory_mb = None
    try:
        while True:
            try:
                kind, payload = receiver.recv()
            except EOFError:
                raise ReaderStopped(
                    f"the reading process ended (exit code {process.exitcode}) before the last row"
                ) from None
            if kind == "rows":
                yield from payload
            elif kind == "error":
                raise payload
            else:
                last_reader_memory_mb = payload
                logger.info("import reader process: %s MB private memory", payload)
                return
    finally:
        receiver.close()
        if process.is_alive():
            process.kill()  # the job stopped early; a worker's own signal handlers are not its
        process.join()


def _produce(rows, sender) -> None:
    """The child: send ``rows`` in chunks, then ("end", its memory), or ("error", exception)."""
    # Ctrl-C and a worker's shutdown signal are for the parent, which stops this process.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    chunk = []
    try:
        for item in rows:
            chunk.append(item)
            if len(chunk) >= CHUNK:
                sender.send(("rows", chunk))
                chunk = []
        if chunk:
            sender.send(("rows", chunk))
        sender.send(("end", _private_memory_mb()))
    except Exception as exc:  # raised in the parent where the row would have been read
        try:
            if chunk:
                sender.send(("rows", chunk))  # the rows read before it
            sender.send(("error", exc))
        except Exception:  # noqa: BLE001 - an exception that cannot be pickled
            sender.send(("error", ReaderStopped(f"{type(exc).__name__}: {exc}")))
    finally:
        sender.close()


def _private_memory_mb() -> float | None:
    """This process's own memory (not shared with the parent it was forked from), in MB."""
    try:
        text = Path("/proc/self/smaps_rollup").read_text()
    except OSError:
        return None
    kilobytes = sum(
        int(line.split()[1])
        for line in text.splitlines()
        if line.startswith(("Private_Clean:", "Private_Dirty:"))
    )
    return round(kilobytes / 1024, 1)
