"""Property-based fuzzing of the whole API from its own OpenAPI schema.

schemathesis generates requests for every operation, valid and invalid, and
sends them to the ASGI app in-process (the services faked by FakeRpc, each
request with a fresh admin token, so that logging out or changing the
password in one example does not spoil the next). Every answer must be no 5xx
and conform to the schema: a documented status, content type and shape.

/readyz, which asks the real broker, is not in the API's schema: it is served
on the operations port (gateway/ops.py).
"""
from functools import cache

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import select

from gateway.app import create_app
from gateway.auth import issue_token
from gateway.models import User
from gateway.rpc import get_rpc
from gateway.settings import Settings

# Enough to find a 5xx or a shape the schema does not declare, small enough
# that the tier stays well under two minutes.
EXAMPLES_PER_OPERATION = 10
EXCLUDED = {"/readyz"}  # kept out should it ever return to the schema
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


@pytest.fixture
def fuzzed_app(settings, fake_rpc):
    # No rate limit: hypothesis sends examples faster than any client would.
    app = create_app(settings.model_copy(update={"rate_limit_per_minute": 0}))
    app.dependency_overrides[get_rpc] = lambda: fake_rpc
    with TestClient(app):  # runs the lifespan: tables and the bootstrap admin
        yield app


def _can_be_invalid(operation: dict) -> bool:
    """Whether a request can break this operation's schema: it has a body or
    a parameter with a type or constraint beyond "any string"."""
    if "requestBody" in operation:
        return True
    return any(set(parameter["schema"]) - {"type", "title", "description"}
               or parameter["schema"].get("type") != "string"
               for parameter in operation.get("parameters", []))


@cache
def _spec() -> dict:
    """The API's OpenAPI document, from an app that touches nothing. Every app
    of this code documents the same API; building the document costs two
    seconds, so it is built once, not once per operation."""
    return create_app(Settings(gateway_db_url="sqlite://")).openapi()


@cache
def _schema():
    """The document as schemathesis reads it, parsed once."""
    return schemathesis.openapi.from_dict(_spec())


def _cases():
    """(method, path, mode) to fuzz."""
    cases = []
    for path, item in _spec()["paths"].items():
        if path in EXCLUDED:
            continue
        for method, operation in item.items():
            cases.append(pytest.param(method, path, GenerationMode.POSITIVE,
                                      id=f"{method} {path} valid"))
            if _can_be_invalid(operation):
                cases.append(pytest.param(method, path, GenerationMode.NEGATIVE,
                                          id=f"{method} {path} invalid"))
    return cases


def _admin_headers(app) -> dict:
    with app.state.db.session() as db:
        admin = db.scalar(select(User).where(User.username == "admin"))
        token, _ = issue_token(db, app.state.settings, admin)
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("method, path, mode", _cases())
def test_the_api_never_fails_and_answers_as_documented(fuzzed_app, method, path, mode):
    schema = _schema()
    schema.app = fuzzed_app  # where its cases are sent, as from_asgi does
    operation = schema[path][method.upper()]

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES_PER_OPERATION, deadline=None, database=None,
              suppress_health_check=list(HealthCheck))
    def fuzz(case):
        headers = {**_admin_headers(fuzzed_app), **(case.headers or {})}
        case.call_and_validate(headers=headers, checks=CHECKS)

    fuzz()


def test_the_fuzzed_document_is_the_one_the_app_serves(client):
    # The cases come from a document built once; a test's app must serve that one.
    assert client.get("/openapi.json").json() == _spec()
