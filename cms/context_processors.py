"""What every public page's header shows: the navigation and the visitor's lists.

Values are lazy: a page that does not render the header costs nothing, and a visitor without
a session (every cached page) reads no session row.
"""

from django.utils.functional import SimpleLazyObject


def _comparison_count(request) -> int:
    return 0  # filled in by the comparison (cms/compare_views.py)


def _selection_count(request) -> int:
    return 0  # filled in by the selection (pim/inquiries)


def _applications_url(request) -> str:
    return ""  # filled in by the application pages (cms/models.py)


def public_site(request):
    return {
        "comparison_count": SimpleLazyObject(lambda: _comparison_count(request)),
        "selection_count": SimpleLazyObject(lambda: _selection_count(request)),
        "applications_url": SimpleLazyObject(lambda: _applications_url(request)),
    }
