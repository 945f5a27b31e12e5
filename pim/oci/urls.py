"""``/oci/``: the OCI punch-out, outside the language prefixes (SAP calls one fixed URL)."""

from django.urls import path

from . import views

app_name = "oci"

urlpatterns = [
    path("", views.entry, name="entry"),
    path("catalog/", views.catalog, name="catalog"),
    path("cart/", views.cart, name="cart"),
    path("product/<path:key>/", views.product_detail, name="product"),
]
