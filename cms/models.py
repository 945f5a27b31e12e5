from django.utils.translation import gettext_lazy as _
from wagtail.admin.panels import FieldPanel
from wagtail.fields import RichTextField
from wagtail.models import Page

from pim.catalog.models import Product


class HomePage(Page):
    """The site's root page."""

    intro = RichTextField(_("introduction"), blank=True)
    max_count = 1
    latest_products_count = 12

    content_panels = [*Page.content_panels, FieldPanel("intro")]

    class Meta:
        verbose_name = _("home page")

    def get_context(self, request, *args, **kwargs):
        context = super().get_context(request, *args, **kwargs)
        context["products"] = (
            Product.objects.publicly_visible()
            .select_related("product_model")
            .order_by("-updated_at", "article_number_key")[: self.latest_products_count]
        )
        return context
