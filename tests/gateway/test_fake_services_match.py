"""The gateway tier's fake services (conftest.Contract) hold the real services'
RPC signatures: every method the fakes offer exists on the real service, with
the same parameters and the same ones required, so that a gateway test cannot
pass against a call the real service would refuse."""
import importlib
import inspect

import pytest

from tests.gateway.conftest import Contract

SERVICES = ("tasks", "warnings", "ranking", "notify")


def fake_methods():
    for name in sorted(dir(Contract)):
        service, _, method = name.partition("_")
        if service in SERVICES and method:
            yield service, method


def parameters(function):
    """({every parameter name}, {the required ones}) without self."""
    found = [parameter for parameter in inspect.signature(function).parameters.values()
             if parameter.name != "self"]
    return ({parameter.name for parameter in found},
            {parameter.name for parameter in found if parameter.default is inspect.Parameter.empty})


def test_the_fakes_cover_methods_of_every_service():
    assert {service for service, _ in fake_methods()} == set(SERVICES)


@pytest.mark.parametrize("service, method", list(fake_methods()),
                         ids=[f"{service}.{method}" for service, method in fake_methods()])
def test_a_fake_method_is_the_real_ones_signature(service, method):
    real_service = importlib.import_module(f"services.{service}.service").Service
    real = getattr(real_service, method, None)
    assert real is not None, f"{service}.{method} is faked but the real service has no such RPC"
    # Entrypoints are decorated in place: the signature is the method's own.
    real_names, real_required = parameters(real)
    fake_names, fake_required = parameters(getattr(Contract, f"{service}_{method}"))
    assert fake_required == real_required, f"{service}.{method}: required arguments differ"
    assert fake_names == real_names, f"{service}.{method}: arguments differ"
