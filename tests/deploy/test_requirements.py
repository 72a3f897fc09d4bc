"""The requirements: runtime, test and bench, each pinned by the one
constraints.txt, and the runtime free of anything only tests or benchmarks use."""
import re

from tests.deploy.checks import ROOT

REQUIREMENTS = ROOT / "requirements"
# Packages that must never reach the image.
NOT_RUNTIME = {"pytest", "pytest-timeout", "ruff", "playwright", "kubernetes-validate",
               "schemathesis", "aiosmtpd", "pypdf", "matplotlib", "numpy", "py-spy", "pyyaml"}


def names(path, seen=None):
    """Every package a requirements file asks for, following its -r includes."""
    seen = seen if seen is not None else set()
    found = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if not line:
            continue
        if line.startswith("-r "):
            included = (path.parent / line[3:].strip()).resolve()
            if included not in seen:
                seen.add(included)
                found |= names(included, seen)
            continue
        found.add(canonical(re.split(r"[\[<>=!~; ]", line, maxsplit=1)[0]))
    return found


def canonical(name):
    return re.sub(r"[-_.]+", "-", name).lower()


def pinned():
    pins = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        line = line.split("#", 1)[0].strip()
        if line:
            name, _, version = line.partition("==")
            assert version, f"constraints.txt: {line} is not pinned to one version"
            pins[canonical(name)] = version
    return pins


def test_every_requirement_is_pinned_by_the_one_constraints_file():
    pins = pinned()
    for kind in ("runtime", "test", "bench"):
        missing = names(REQUIREMENTS / f"{kind}.txt") - set(pins)
        assert not missing, f"requirements/{kind}.txt: not in constraints.txt: {missing}"


def test_the_layers_include_each_other_and_the_top_file_installs_everything():
    runtime = names(REQUIREMENTS / "runtime.txt")
    test = names(REQUIREMENTS / "test.txt")
    bench = names(REQUIREMENTS / "bench.txt")
    assert runtime < test < bench
    assert names(ROOT / "requirements.txt") == bench


def test_the_runtime_holds_no_test_or_bench_package():
    assert not names(REQUIREMENTS / "runtime.txt") & NOT_RUNTIME
