"""Models of pim/inquiries: requests for quote (``inquiry``) and change notices (``notices``)."""

from .inquiry import Inquiry, InquiryLine, InquiryStatus
from .notices import NoticeKind, Subscription

__all__ = ["Inquiry", "InquiryLine", "InquiryStatus", "NoticeKind", "Subscription"]
