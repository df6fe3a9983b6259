"""Request bodies in the OpenAPI documents, for routes that read their body themselves.

The agencies' systems integrate from each service's ``/openapi.json``. A route that reads
``await request.body()`` (to answer every field's problem in one 422, with its own rule
codes) or streams an upload gets no ``requestBody`` from FastAPI, so the document would
not say what to send. These helpers give such a route ``openapi_extra`` describing it:
:func:`json_body` from a pydantic model (the schema inlined: the document's components
are FastAPI's), :func:`csv_upload` for a CSV file sent as the raw body or as the multipart
field ``file``. The route's own reader stays the one that decides what is valid.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel

__all__ = ["csv_upload", "json_body"]


def _inline(node: Any, definitions: dict[str, Any]) -> Any:
    """``node`` with every ``#/$defs/...`` reference replaced by its definition."""
    if isinstance(node, list):
        return [_inline(item, definitions) for item in node]
    if not isinstance(node, dict):
        return node
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/$defs/"):
        rest = {k: v for k, v in node.items() if k != "$ref"}
        return _inline({**definitions[ref.removeprefix("#/$defs/")], **rest}, definitions)
    return {k: _inline(v, definitions) for k, v in node.items() if k != "$defs"}


def json_body(model: type[BaseModel], *, description: str | None = None) -> dict[str, Any]:
    """``openapi_extra`` of a route whose JSON body has the shape of ``model``."""
    schema = model.model_json_schema()
    body: dict[str, Any] = {
        "required": True,
        "content": {"application/json": {"schema": _inline(schema, schema.get("$defs", {}))}},
    }
    if description:
        body["description"] = description
    return {"requestBody": body}


def csv_upload(columns: Sequence[str], *, description: str) -> dict[str, Any]:
    """``openapi_extra`` of an upload route: a CSV file with a header row naming
    ``columns``, as the raw body (``text/csv``) or the multipart field ``file``."""
    text = {
        "type": "string",
        "description": f"{description} Header row: {', '.join(columns)} (';' or ',' between "
        "cells, UTF-8, with or without a BOM).",
    }
    return {
        "requestBody": {
            "required": True,
            "description": description,
            "content": {
                "text/csv": {"schema": text},
                "multipart/form-data": {
                    "schema": {
                        "type": "object",
                        "properties": {"file": {**text, "format": "binary"}},
                        "required": ["file"],
                    }
                },
            },
        }
    }
