"""The kit documents the problems a body can cause by what the body is."""

from __future__ import annotations

from studyspot.services.message.app import create_app


def test_only_a_json_body_documents_400_not_valid_json() -> None:
    paths = create_app().openapi()["paths"]
    form = paths["/api/messages/webhooks/twilio/status"]["post"]
    assert "application/x-www-form-urlencoded" in form["requestBody"]["content"]
    assert "400" not in form["responses"]  # a form never fails to parse as JSON
    assert "413" in form["responses"]
    json_body = paths["/api/messages/sender-accounts/smtp"]["put"]
    assert "application/json" in json_body["requestBody"]["content"]
    assert json_body["responses"]["400"]["description"] == "Body is not valid JSON"
