"""The inquiry inbox in the Wagtail admin: menu "Inquiries" (with the number of new ones) and
the dashboard panel of overdue inquiries."""

from wagtail import hooks
from wagtail.permissions import register_permission_policy

from .admin_views import OverdueInquiriesPanel, inquiry_permission_policy, inquiry_viewset, may_view_inquiries
from .models import Inquiry

# Registered before the viewset, which would otherwise fall back to plain model permissions.
register_permission_policy(Inquiry, inquiry_permission_policy, exact_class=True)


@hooks.register("register_admin_viewset")
def register_inquiry_inbox():
    return inquiry_viewset


@hooks.register("construct_homepage_panels")
def add_overdue_inquiries_panel(request, panels):
    if may_view_inquiries(request.user):
        panels.append(OverdueInquiriesPanel())
