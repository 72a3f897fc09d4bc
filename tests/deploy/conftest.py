"""Deploy tier: the deployment files, read and checked without running anything.

Real: the files themselves — Dockerfile, .dockerignore, deploy/compose.yml and
every kustomization under deploy/k8s — parsed as YAML; the overlays rendered the
way kustomize renders them (by tests/deploy/kustomize.py, for the fields they
use); every built-in resource validated against the Kubernetes 1.30 OpenAPI
schemas bundled with kubernetes-validate; the Dockerfile's start command run by
/bin/sh.

Faked: there is no cluster, no Docker engine and no kustomize binary. Custom
resources (KEDA, the RabbitMQ operator) are checked against the fields of their
CRDs, not by a server; the start command runs stand-ins for python and uvicorn
that print their arguments. Nothing is built or started, so an image that fails
to build or a container that fails to start is not caught here.
"""
import pytest
import yaml

from tests.deploy.checks import COMPOSE, K8S, OVERLAYS
from tests.deploy.kustomize import render


@pytest.fixture(scope="session", params=OVERLAYS)
def overlay(request):
    """(name, resources) of one kustomization under deploy/k8s, rendered."""
    return request.param, render(K8S / request.param)


@pytest.fixture(scope="session")
def compose():
    with open(COMPOSE, encoding="utf-8") as stream:
        return yaml.safe_load(stream)
