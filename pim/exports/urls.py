from django.urls import path

from . import views

app_name = "exports"

urlpatterns = [
    path("<slug:code>/pull/", views.pull, name="pull"),
]
