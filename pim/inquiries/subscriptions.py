"""Change-notice subscriptions without an account: signed links for opt-in, unsubscribe and
the page that lists an address's subscriptions.

Links are absolute (``PIM_PUBLIC_BASE_URL``), in the subscriber's language, and carry a
token signed with the secret key (``django.core.signing``, one salt per purpose): the opt-in
link expires after ``PIM_NOTICE_CONFIRM_DAYS``; unsubscribe links never expire (every sent
message must stay unsubscribable); a manage link expires like the opt-in link.
"""

from django.conf import settings
from django.core import signing
from django.urls import reverse
from django.utils import translation

CONFIRM_SALT = "pim.inquiries.notices.confirm"
UNSUBSCRIBE_SALT = "pim.inquiries.notices.unsubscribe"
MANAGE_SALT = "pim.inquiries.notices.manage"


def absolute_url(url_name: str, language: str, **kwargs) -> str:
    """A public URL of this site in ``language`` (path words are translated), made absolute."""
    with translation.override(language):
        path = reverse(url_name, kwargs=kwargs)
    return settings.PIM_PUBLIC_BASE_URL.rstrip("/") + path


def unsubscribe_token(subscription) -> str:
    return signing.dumps({"s": subscription.pk, "e": subscription.email}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(subscription) -> str:
    """One click ends this subscription (the link of every message about it)."""
    return absolute_url("cms:notice_unsubscribe", subscription.language, token=unsubscribe_token(subscription))


def manage_token(email: str) -> str:
    return signing.dumps({"e": email.strip().lower()}, salt=MANAGE_SALT)


def manage_url(email: str, language: str) -> str:
    """The page that lists and removes every subscription of ``email``."""
    return absolute_url("cms:notice_manage", language, token=manage_token(email))
