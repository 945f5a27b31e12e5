"""``/api/v1/``: the read endpoints, the OpenAPI schema and its docs page."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView
from rest_framework.routers import DefaultRouter

from . import views

app_name = "api"

router = DefaultRouter(trailing_slash=True)
router.include_root_view = False
router.register("products", views.ProductViewSet, basename="product")
router.register("series", views.SeriesViewSet, basename="series")
router.register("families", views.FamilyViewSet, basename="family")
router.register("attributes", views.AttributeViewSet, basename="attribute")
router.register("categories", views.CategoryViewSet, basename="category")
router.register("assets", views.AssetViewSet, basename="asset")
router.register("channels", views.ChannelViewSet, basename="channel")

urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", views.ApiDocsView.as_view(), name="docs"),
    path("", include(router.urls)),
]
