"""Models of pim/inquiries: requests for quote (``inquiry``) and change notices (``notices``)."""

from .inquiry import Inquiry, InquiryLine, InquiryStatus
from .notices import Digest, DigestEntry, Notice, NoticeKind, PendingCheck, Subscription, WatchedState

__all__ = [
    "Digest",
    "DigestEntry",
    "Inquiry",
    "InquiryLine",
    "InquiryStatus",
    "Notice",
    "NoticeKind",
    "PendingCheck",
    "Subscription",
    "WatchedState",
]
