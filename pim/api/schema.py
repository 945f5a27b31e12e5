"""OpenAPI schema hooks (drf-spectacular)."""

API_PREFIX = "/api/v1/"


def only_api_endpoints(endpoints):
    """The schema describes ``/api/v1/`` only: Wagtail's admin API, also built on DRF, is the
    admin's business and no contract with integrators."""
    return [endpoint for endpoint in endpoints if endpoint[0].startswith(API_PREFIX)]


# Answers every operation can give besides its own, in the shape DRF gives them.
_DETAIL = {
    "type": "object",
    "properties": {"detail": {"type": "string", "description": "What is wrong, in words."}},
    "required": ["detail"],
}
_PARAMETER_ERRORS = {
    "type": "object",
    "description": "One list of messages per parameter that is wrong, e.g. {\"lang\": [\"…\"]}.",
    "additionalProperties": {"type": "array", "items": {"type": "string"}},
}
_COMMON_ANSWERS = {
    "400": ("A query parameter is wrong; the answer names it.", _PARAMETER_ERRORS),
    "401": ("The token is unknown, revoked or malformed (no token: anonymous, never 401).", _DETAIL),
    "429": ("Too many requests for this token or address; retry after the Retry-After seconds.", _DETAIL),
}


def declare_common_answers(result, generator, request, public):
    """Every operation declares the answers every request can get (a wrong parameter, a
    refused token, the rate limit) and, with a path parameter, 404; an operation's own
    declaration of the same status is kept. Reads declare the token optional."""
    for path, operations in result.get("paths", {}).items():
        for method, operation in operations.items():
            if not isinstance(operation, dict) or "responses" not in operation:
                continue
            # Reading works without a token (public data only): the token is optional there.
            security = operation.get("security")
            if method == "get" and security and {} not in security:
                security.append({})
            responses = operation["responses"]
            answers = dict(_COMMON_ANSWERS)
            if "{" in path:
                answers["404"] = ("Nothing with this code or article number (or not visible to you).", _DETAIL)
            for status, (description, schema) in answers.items():
                responses.setdefault(
                    status, {"description": description, "content": {"application/json": {"schema": schema}}}
                )
    return result
