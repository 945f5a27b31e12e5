"""Helpers shared by the browser tests."""


def expect(*args, **kwargs):
    """Playwright's ``expect``, imported on use: without Playwright installed the tests are
    still collected, and the ``browser`` fixture skips (locally) or fails (CI) with a reason."""
    from playwright.sync_api import expect as playwright_expect

    return playwright_expect(*args, **kwargs)
