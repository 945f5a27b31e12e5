"""What the benchmarks share about measuring a process."""

import resource
from pathlib import Path


def peak_rss_mb() -> float:
    """This process's peak resident memory since its exec (``VmHWM``), in MB.

    ``ru_maxrss`` would do on other systems, but Linux carries the high-water mark of the
    forked parent across ``fork`` and ``execve``: a measurement child of a benchmark that has
    generated its data in the parent would report at least the parent's size."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
