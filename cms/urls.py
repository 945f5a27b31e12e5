from django.urls import path

from . import views

app_name = "cms"

urlpatterns = [
    path("", views.home_page, name="home"),
    path("products/<path:article_number>/", views.product_detail, name="product"),
]
