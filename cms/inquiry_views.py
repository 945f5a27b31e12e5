"""The request for quote: the form that sends the visitor's selection, and its confirmation page."""

urlpatterns = []
