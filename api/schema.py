"""What the OpenAPI schema says beyond what drf-spectacular infers: the error answers every
operation may give, so that a client (and the schema fuzzing in the tests) knows them all."""

from __future__ import annotations

from typing import Any

ERROR = {"$ref": "#/components/schemas/Error"}
ERRORS = {
    "400": ("The query or body is not valid; each field says why.", {"type": "object"}),
    "404": ("No such consultation, publication, report or page of results.", ERROR),
    "406": ("The Accept header asks for a type this endpoint cannot give.", ERROR),
    "429": ("Too many requests from this address or token; see Retry-After.", ERROR),
}
TOKEN_ERRORS = {
    "401": ("No personal token, or one that is not valid, has expired or was revoked.", ERROR),
    "403": ("The token's scopes, or its owner's permissions, do not allow it.", ERROR),
}
UNAVAILABLE = ("Reports are unavailable just now (the job queue); see Retry-After.", ERROR)


def error_responses(result: dict[str, Any], generator: Any, request: Any, public: bool) -> Any:
    """drf-spectacular post-processing hook (``SPECTACULAR_SETTINGS``)."""
    result.setdefault("components", {}).setdefault("schemas", {})["Error"] = {
        "type": "object",
        "properties": {"detail": {"type": "string"}},
        "required": ["detail"],
    }
    for path in result.get("paths", {}).values():
        for method, operation in path.items():
            errors = dict(ERRORS)
            if operation.get("security"):
                errors.update(TOKEN_ERRORS)
            if method == "post":
                errors["503"] = UNAVAILABLE
            responses = operation.setdefault("responses", {})
            for code, (description, schema) in errors.items():
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": schema}},
                    },
                )
    return result
