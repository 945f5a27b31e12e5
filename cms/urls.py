from django.urls import path

from . import views

app_name = "cms"

urlpatterns = [
    path("products/<path:article_number>/", views.product_detail, name="product"),
]
