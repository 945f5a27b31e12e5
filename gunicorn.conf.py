"""Gunicorn settings of the PIM's production server (scripts/serve; ``gunicorn pim.wsgi`` run in
this folder picks the file up by itself).

Everything an operator tunes comes from the environment, the same variables as the settings:

- ``PIM_ADDRESS``: where to listen, ``host:port`` (default ``127.0.0.1:8000``), a bare port, or
  ``unix:/path``; several separated by commas.
- ``PIM_WORKERS``: processes (default ``2 * cores + 1``). ``PIM_THREADS``: threads per process
  (default 2). With more than one thread the ``gthread`` worker runs: a slow client or a long
  download then holds one thread, not a whole process, and never trips the worker timeout.
- ``PIM_TIMEOUT``: seconds a busy worker may stay silent before it is restarted (default 60;
  with ``PIM_THREADS=1`` also the longest a request may take).
- ``PIM_ACCESS_LOG``: ``-`` (stdout, default), a file, or empty for none.
- ``PIM_MAX_REQUESTS``: restart a worker after this many requests (default 10000, jittered), a
  guard against slow memory growth; 0 turns it off.
- ``PIM_PRELOAD``: load the application in the master before forking workers (default 1).
- ``FORWARDED_ALLOW_IPS``: proxies whose ``X-Forwarded-Proto`` is believed (gunicorn's own
  variable, default ``127.0.0.1,::1``).

Measure before raising workers on SQLite: one writer at a time; PostgreSQL has no such limit.
"""

import multiprocessing
import os
from pathlib import Path

_address = os.environ.get("PIM_ADDRESS", "127.0.0.1:8000")
bind = [f"127.0.0.1:{item}" if item.isdigit() else item for item in _address.split(",") if item.strip()]

workers = int(os.environ.get("PIM_WORKERS") or 2 * multiprocessing.cpu_count() + 1)
threads = int(os.environ.get("PIM_THREADS") or 2)
worker_class = "gthread" if threads > 1 else "sync"

timeout = int(os.environ.get("PIM_TIMEOUT") or 60)
graceful_timeout = 30  # requests in flight get this long to finish on a restart or stop
keepalive = 5  # seconds; a proxy in front reuses connections

max_requests = int(os.environ.get("PIM_MAX_REQUESTS") or 10000)
max_requests_jitter = max_requests // 10  # workers do not all restart at the same moment

# The application is loaded once in the master and forked: a restarted worker (max_requests,
# a crash) serves at once instead of spending a second or two importing Django and Wagtail
# while its share of the connections waits (bench/http_load.py: p95 1.8 s with restarts
# without preload). PIM_PRELOAD=0 loads it in each worker (then `kill -HUP` reloads code).
preload_app = os.environ.get("PIM_PRELOAD", "1") != "0"


def when_ready(server):
    # Nothing may share a database connection across fork: close whatever loading opened.
    from django.db import connections

    connections.close_all()

accesslog = os.environ.get("PIM_ACCESS_LOG", "-") or None
# Combined log format plus the duration in milliseconds, the first thing to look at when slow.
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'
errorlog = "-"
loglevel = os.environ.get("PIM_LOG_LEVEL", "info").lower()
proc_name = "pim"

# The heartbeat file of each worker lives in memory where there is /dev/shm: a disk-backed
# temporary directory (containers) can stall the heartbeat and get busy workers killed.
if Path("/dev/shm").is_dir():  # noqa: S108 - a tmpfs for heartbeats, not a shared temp file
    worker_tmp_dir = "/dev/shm"  # noqa: S108

# gunicornc's control socket beside the data of this installation, not one per user account
# shared by every gunicorn the user runs.
_var_dir = Path(os.environ.get("PIM_VAR_DIR") or Path(__file__).resolve().parent / "var")
control_socket = str(_var_dir / "gunicorn.ctl")

wsgi_app = "pim.wsgi:application"
