"""Browser tests: Playwright drives Debian's Chromium against pytest-django's live server.

Chromium comes from Debian (``scripts/chromium`` installs it), never from Playwright's own
download (``playwright install`` needs the network and is not used). Locally the tests skip
when Chromium or Playwright is missing; under ``CI=true`` they fail instead, so a CI run
can never pass without exercising the browser.

The tests need ``@pytest.mark.django_db(transaction=True, serialized_rollback=True)``: the
live server answers from another thread (another database connection on PostgreSQL), so
the data must be committed; ``serialized_rollback`` puts back the rows the data migrations
seeded (units, Wagtail's root page) that the flush after each transactional test removes.

Set ``PIM_BROWSER_ARTIFACTS=<dir>`` to keep screenshots: the ``screenshot`` fixture's
pictures and one of every page whose test failed.
"""

import os
import re
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI") == "true"

# Debian's Chromium in a container: no sandbox (root, no user namespaces), no GPU, and no
# traffic of its own (updates, sync, field trials) so that only the test talks to the server.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

# Generous for a loaded 2-core CI machine; Playwright waits only as long as needed.
TIMEOUT_MS = 20_000

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def chromium_executable() -> str | None:
    """``PIM_CHROMIUM``, else Debian's ``chromium`` on the PATH, else None."""
    for candidate in (os.environ.get("PIM_CHROMIUM"), shutil.which("chromium"), "/usr/bin/chromium"):
        if candidate and os.access(candidate, os.X_OK):
            return candidate
    return None


def _unavailable(reason: str):
    if IN_CI:
        pytest.fail(
            f"{reason}. CI=true: the browser tests must run (scripts/test installs Chromium "
            "with scripts/chromium).",
            pytrace=False,
        )
    pytest.skip(f"{reason}; run scripts/chromium (as root) to install it")


@pytest.fixture(scope="package")
def browser(django_db_setup):
    """One headless Chromium for all browser tests."""
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        _unavailable('Playwright is not installed (pip install -e ".[dev]")')
    executable = chromium_executable()
    if executable is None:
        _unavailable("Chromium is not installed (no PIM_CHROMIUM, no chromium on the PATH)")
    expect.set_options(timeout=TIMEOUT_MS)
    with pytest.MonkeyPatch.context() as patch:
        # Playwright's sync API parks an asyncio loop in a greenlet and, between its calls,
        # marks that loop as running in this thread (playwright/_impl/_greenlets.py). Django
        # then believes the test runs in async code, and
        # (1) refuses ORM calls from the test with SynchronousOnlyOperation: a false alarm, no
        #     ORM call runs inside that loop. The variable below silences the check while the
        #     browser is up (this package's tests only; the live server's thread has no loop);
        # (2) keeps the thread's database connections in context-local storage, i.e. opens
        #     new ones. Those lack what serialized_rollback restores, and on SQLite's shared
        #     in-memory test database a second connection deadlocks with the live server
        #     ("database table is locked"). So the same connection objects go there too.
        patch.setenv("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
        thread_connections = _current_connections()
        with sync_playwright() as playwright:
            _use_connections(thread_connections)
            # A Chromium that is installed but does not start is an error, also locally.
            chromium = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
            yield chromium
            chromium.close()


def _current_connections() -> dict:
    from django.db import connections

    return {alias: connections[alias] for alias in connections}


def _use_connections(by_alias: dict):
    from django.db import connections

    for alias, connection in by_alias.items():
        connections[alias] = connection


def _artifacts_dir() -> Path | None:
    directory = os.environ.get("PIM_BROWSER_ARTIFACTS")
    if not directory:
        return None
    path = Path(directory)
    path.mkdir(parents=True, exist_ok=True)
    return path


def _file_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text)[:120]


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.browser_test_failed = report.failed
    return report


@contextmanager
def page_factory(request, browser, base_url: str):
    """``make(**context_options)`` pages in fresh browser contexts (own cookies) whose relative
    URLs go to ``base_url``, English unless ``locale`` says otherwise; at the end the
    contexts are closed, after a screenshot of each page if the test failed."""
    contexts = []

    def make(**options):
        options.setdefault("locale", "en-US")
        context = browser.new_context(base_url=base_url, **options)
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        return context.new_page()

    yield make

    directory = _artifacts_dir()
    failed = getattr(request.node, "browser_test_failed", False)
    for number, context in enumerate(contexts):
        if directory is not None and failed:
            for page_number, page in enumerate(context.pages):
                name = _file_name(f"FAILED-{request.node.name}-{number}-{page_number}.png")
                page.screenshot(path=directory / name, full_page=True)
        context.close()


@pytest.fixture
def new_page(request, browser, live_server):
    """``new_page(**context_options)``: a page in a fresh browser context whose relative URLs
    go to the live server (see :func:`page_factory`)."""
    with page_factory(request, browser, live_server.url) as make:
        yield make


@pytest.fixture
def page(new_page):
    """A desktop-sized page (1280x900)."""
    return new_page(viewport={"width": 1280, "height": 900})


@pytest.fixture
def phone_page(new_page):
    """A page as a phone shows it (390x844 CSS pixels, touch, mobile viewport rules)."""
    return new_page(**PHONE)


@pytest.fixture
def screenshot(request):
    """``screenshot(page, name)`` keeps a full-page picture when PIM_BROWSER_ARTIFACTS is set."""

    def take(page, name):
        directory = _artifacts_dir()
        if directory is not None:
            page.screenshot(path=directory / _file_name(f"{name}.png"), full_page=True)

    return take
