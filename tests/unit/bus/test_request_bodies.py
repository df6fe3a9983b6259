"""Routes that read their body themselves still describe it in the OpenAPI document
(jkn_bus.request_bodies): a JSON body from a pydantic model, its definitions inlined (the
document's components are FastAPI's own), and a CSV upload as a raw body or a multipart
field ``file``, with its header row named."""

from __future__ import annotations

import json
from typing import Any, Literal

from fastapi import FastAPI, Request
from jkn_bus.request_bodies import csv_upload, json_body
from pydantic import BaseModel


class ReplyTo(BaseModel):
    channel: Literal["sms", "email"]
    address: str


class Form(BaseModel):
    message: str
    reply_to: ReplyTo | None = None


def document() -> Any:  # the OpenAPI document, as JSON
    app = FastAPI()

    @app.post("/form", openapi_extra=json_body(Form, description="A resident's form."))
    async def form(request: Request) -> None:
        await request.body()

    @app.post("/upload", openapi_extra=csv_upload(("nik", "reason"), description="Findings."))
    async def upload(request: Request) -> None:
        await request.body()

    paths = app.openapi()["paths"]
    return paths


def test_a_json_body_is_described_by_its_model_with_nothing_left_to_resolve() -> None:
    body = document()["/form"]["post"]["requestBody"]

    schema = body["content"]["application/json"]["schema"]
    assert body["required"] is True
    assert schema["required"] == ["message"]
    assert "$ref" not in json.dumps(schema)
    assert "$defs" not in schema
    reply_to = schema["properties"]["reply_to"]["anyOf"][0]
    assert reply_to["properties"]["channel"]["enum"] == ["sms", "email"]


def test_an_upload_is_a_csv_body_or_a_multipart_file_with_its_header_named() -> None:
    content = document()["/upload"]["post"]["requestBody"]["content"]

    assert set(content) == {"text/csv", "multipart/form-data"}
    assert "Header row: nik, reason" in content["text/csv"]["schema"]["description"]
    multipart = content["multipart/form-data"]["schema"]
    assert multipart["required"] == ["file"]
    assert multipart["properties"]["file"]["format"] == "binary"
