from django.urls import path

from . import views

app_name = "assets"

urlpatterns = [
    path("<int:asset_id>/<str:filename>", views.download, name="download"),
    path("products/<str:article>/documents.zip", views.product_zip, name="product_zip"),
    path("products/<str:article>/datasheet-<str:language>.pdf", views.datasheet, name="datasheet"),
    path(
        "products/<str:article>/<int:asset_id>/<str:filename>",
        views.product_download,
        name="product_download",
    ),
]
