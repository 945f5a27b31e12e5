"""Change notices: subscribe from a product or series page, confirm, unsubscribe, manage."""

urlpatterns = []
