"""The OpenAPI schema is generated from the code, valid, and documents every field; the docs
page loads Swagger UI from our own static files under a policy that lets it run."""

import pytest
import yaml
from django.core.management import call_command
from drf_spectacular.validation import validate_schema

pytestmark = pytest.mark.django_db


@pytest.fixture
def schema(api):
    response = api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json() if response["Content-Type"].endswith("json") else yaml.safe_load(response.content)


def test_schema_is_valid_openapi_3(schema):
    validate_schema(schema)  # raises on an invalid document
    assert schema["openapi"].startswith("3.")
    assert {"/api/v1/products/", "/api/v1/products/{article_number}/", "/api/v1/series/", "/api/v1/families/",
            "/api/v1/attributes/", "/api/v1/categories/"} <= set(schema["paths"])  # fmt: skip
    assert schema["components"]["securitySchemes"]["apiToken"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schema["components"]["securitySchemes"]["apiToken"]["description"],
    }


def _untyped(schemas):
    """(component, field) pairs whose schema says nothing about the type."""
    for name, component in schemas.items():
        for field, spec in component.get("properties", {}).items():
            if not ({"type", "$ref", "allOf", "oneOf", "anyOf", "enum"} & set(spec)):
                yield name, field


def test_every_field_has_a_type(schema):
    schemas = schema["components"]["schemas"]
    assert list(_untyped(schemas)) == []
    product = schemas["Product"]["properties"]
    assert product["values"]["items"]["$ref"].endswith("/Value")
    assert product["name"]["type"] == "string"
    assert schemas["Value"]["properties"]["number"]["type"] == "number"


def test_list_parameters_are_documented(schema):
    names = {p["name"] for p in schema["paths"]["/api/v1/products/"]["get"]["parameters"]}
    assert {"lang", "fields", "updated_since", "cursor", "size"} <= names


def test_management_command_validates_the_schema(tmp_path):
    target = tmp_path / "schema.yaml"
    call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert "/api/v1/products/" in target.read_text()


def test_docs_page_uses_local_assets_and_its_own_policy(api):
    response = api.get("/api/v1/docs/")
    assert response.status_code == 200
    html = response.content.decode()
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js" in html
    assert "https://" not in html.replace("https://github.com", "")  # no CDN
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" in policy.split("style-src", 1)[1].split(";")[0]
    script = api.get("/api/v1/docs/?script=")
    assert script.status_code == 200
    assert "/api/v1/schema/" in script.content.decode()


def test_public_pages_keep_the_strict_policy(client, settings):
    response = client.get("/healthz")
    assert "unsafe-inline" not in response.get("Content-Security-Policy", "")
