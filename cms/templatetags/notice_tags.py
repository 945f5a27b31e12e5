"""The "notify me about changes" form of product and series pages.

The pages are cached and shared (cms.page_cache), so the form holds nothing of the visitor:
no CSRF token (its endpoint checks the origin), no session. The same include shows the form
again with the problems at the fields on the never-cached page after a refused submit.
"""

from django import template

from pim.catalog.models import Product
from pim.inquiries.abuse import HONEYPOT_FIELD
from pim.inquiries.models import NoticeKind
from pim.inquiries.subscription_forms import DEFAULT_KINDS, SubscriptionForm
from pim.inquiries.subscriptions import digest_rhythm

register = template.Library()


@register.simple_tag
def notify_me(subject, form=None):
    """What the form needs for ``subject`` (a product or a series): the hidden target field,
    the kinds offered and which are checked, the e-mail, and ``form``'s errors if it was sent."""
    is_product = isinstance(subject, Product)
    offered = SubscriptionForm().fields["kinds"].choices
    if isinstance(form, SubscriptionForm) and form.is_bound:
        chosen = set(form.data.getlist("kinds"))
        email = form.data.get("email", "")
        errors = form.errors
    else:
        chosen, email, errors = set(DEFAULT_KINDS), "", {}
    return {
        "field": "product" if is_product else "series",
        "key": subject.article_number if is_product else subject.code,
        "email": email,
        "email_errors": errors.get("email", []),
        "kinds": [{"value": value, "label": label, "checked": value in chosen} for value, label in offered],
        "kinds_errors": errors.get("kinds", []),
        "honeypot": HONEYPOT_FIELD,
        "prices": any(value == NoticeKind.PRICES for value, _label in offered),
        "rhythm": digest_rhythm(),
    }
