"""Clients behind a trusted proxy: uvicorn believes X-Forwarded-For from the
proxies the deploy files name (FORWARDED_ALLOW_IPS), so two clients behind
one ingress spend from two rate-limit buckets, and a client that is not a
trusted proxy cannot pick its own address."""
import httpx
import pytest
import yaml

from tests.support.serving import serve


@pytest.fixture
def strict_settings(settings):
    # Three anonymous requests a minute per address.
    return settings.model_copy(update={"rate_limit_per_minute": 3})


@pytest.fixture
def limited_app(strict_settings, fake_rpc):
    from gateway.app import create_app
    from gateway.rpc import get_rpc
    app = create_app(strict_settings)
    app.dependency_overrides[get_rpc] = lambda: fake_rpc
    return app


def _spend(http, forwarded_for, times):
    return [http.get("/api/v1/auth/me", headers={"X-Forwarded-For": forwarded_for}).status_code
            for _ in range(times)]


def test_two_clients_behind_a_trusted_proxy_are_limited_apart(limited_app):
    # The test client connects from 127.0.0.1, which plays the ingress here.
    with serve(limited_app, forwarded_allow_ips="127.0.0.1") as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        assert _spend(http, "198.51.100.1", 4) == [401, 401, 401, 429]
        assert _spend(http, "198.51.100.2", 1) == [401]


def test_an_untrusted_peer_cannot_choose_its_address(limited_app):
    with serve(limited_app, forwarded_allow_ips="192.0.2.1") as url, \
            httpx.Client(base_url=url, timeout=30) as http:
        assert _spend(http, "198.51.100.1", 3) == [401, 401, 401]
        assert _spend(http, "198.51.100.2", 1) == [429]


def test_the_deploy_files_name_the_trusted_proxies():
    with open("deploy/k8s/base/gateway.yaml") as manifest:
        deployment = next(doc for doc in yaml.safe_load_all(manifest)
                          if doc and doc["kind"] == "Deployment")
    (pod,) = deployment["spec"]["template"]["spec"]["containers"]
    assert {"name": "FORWARDED_ALLOW_IPS", "value": "10.0.0.0/8"} in pod["env"]
    with open("deploy/compose.yml") as compose:
        gateway = yaml.safe_load(compose)["services"]["gateway"]["environment"]
    assert "FORWARDED_ALLOW_IPS" in gateway
