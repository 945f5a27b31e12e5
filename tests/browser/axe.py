"""axe-core in the browser: ``assert_no_serious_violations(page)``.

axe-core ships inside the ``axe-playwright-python`` package (its ``axe.min.js``, no CDN). It is
injected with Playwright's ``page.evaluate``, which the page's Content-Security-Policy
(``script-src 'self'``) does not block, so the tested page is the page as served.
"""

from functools import cache

SERIOUS = ("serious", "critical")


@cache
def _axe_source() -> str:
    from axe_playwright_python.sync_playwright import Axe

    return Axe().axe_script


def axe_violations(page, *, include=None, exclude=None, impacts=SERIOUS) -> list[dict]:
    """The axe-core violations of ``impacts`` on the page as it is now (all WCAG 2.x A/AA rules
    and best practices that axe enables by default). ``include``/``exclude``: CSS selectors
    limiting the part of the page that is checked."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.evaluate(_axe_source())
    context = {}
    if include:
        context["include"] = [[selector] for selector in include]
    if exclude:
        context["exclude"] = [[selector] for selector in exclude]
    results = page.evaluate(
        "([context, options]) => axe.run(Object.keys(context).length ? context : document, options)",
        [context, {"resultTypes": ["violations"]}],
    )
    return [violation for violation in results["violations"] if violation.get("impact") in impacts]


def describe(violations) -> str:
    """One paragraph per violation: rule, impact, help, and each offending element with
    axe's own summary of how to fix it (contrast ratios, missing names…)."""
    lines = []
    for violation in violations:
        lines.append(
            f"[{violation['impact']}] {violation['id']}: {violation['help']} ({violation.get('helpUrl', '')})"
        )
        for node in violation["nodes"]:
            target = " ".join(str(part) for part in node.get("target", []))
            summary = " ".join((node.get("failureSummary") or "").split())
            lines.append(f"    {target}: {summary}")
    return "\n".join(lines)


def assert_no_serious_violations(page, *, include=None, exclude=None, label="") -> None:
    """Fail listing rule id, impact, target and help of every serious or critical violation."""
    violations = axe_violations(page, include=include, exclude=exclude)
    if violations:
        where = label or page.url
        raise AssertionError(
            f"axe-core: {len(violations)} serious/critical violation(s) on {where}:\n" + describe(violations)
        )
