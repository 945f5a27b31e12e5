"""OpenAPI schema hooks (drf-spectacular)."""

API_PREFIX = "/api/v1/"


def only_api_endpoints(endpoints):
    """The schema describes ``/api/v1/`` only: Wagtail's admin API, also built on DRF, is the
    admin's business and no contract with integrators."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PREFIX)]
