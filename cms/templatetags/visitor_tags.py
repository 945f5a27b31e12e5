"""The visitor's lists (comparison, selection) in templates: whether a product is in them.

Read only when the visitor has a session: a cookie-free visitor (every cached page) gets the
empty state without touching the session, so the page stays cacheable and shared."""

from django import template
from django.conf import settings

from pim.inquiries.selection import Selection

from ..comparison import ComparisonList

register = template.Library()


@register.simple_tag(takes_context=True)
def visitor_state(context, product):
    """``{"in_comparison": bool, "in_selection": bool}`` for ``product``."""
    request = context.get("request")
    if request is None or settings.SESSION_COOKIE_NAME not in request.COOKIES:
        return {"in_comparison": False, "in_selection": False}
    return {
        "in_comparison": product in ComparisonList(request.session),
        "in_selection": product in Selection(request.session),
    }
