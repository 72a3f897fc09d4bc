"""The Dockerfile, linted as text, and its start command run by /bin/sh."""
import fnmatch
import os
import re
import subprocess

import pytest

from tests.deploy.checks import DOCKERFILE, ROOT, SERVICES

ROLES = {
    **{service: ["python", "-m", "services.launch.runner", service] for service in SERVICES},
    "gateway": ["uvicorn", "--factory", "gateway.app:create_app", "--host", "0.0.0.0",
                "--port", "8000"],
    "migrate": ["python", "-m", "services.launch.migrate"],
}


def instructions(text):
    """[(INSTRUCTION, arguments)] with continuation lines joined and comments dropped."""
    parsed, pending = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue  # Docker drops comment lines, also inside a continued instruction
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        keyword, _, arguments = (pending + stripped).partition(" ")
        parsed.append((keyword.upper(), arguments.strip()))
        pending = ""
    assert not pending, "the Dockerfile ends inside a continued instruction"
    return parsed


def stages(parsed):
    """[[(INSTRUCTION, arguments)]] per build stage, each starting with its FROM."""
    found = []
    for instruction in parsed:
        if instruction[0] == "FROM":
            found.append([])
        if found:
            found[-1].append(instruction)
    return found


@pytest.fixture(scope="module")
def dockerfile():
    return instructions(DOCKERFILE.read_text(encoding="utf-8"))


def test_builds_on_slim_python_and_ships_only_the_runtime_stage(dockerfile):
    *_, builder, runtime = stages(dockerfile)
    assert re.fullmatch(r"python:3\.11-slim AS builder", builder[0][1], re.IGNORECASE)
    assert re.fullmatch(r"python:3\.11-slim( AS \w+)?", runtime[0][1], re.IGNORECASE)
    installs = [arguments for keyword, arguments in builder if keyword == "RUN"]
    # The runtime's requirements alone: no test or bench package ships.
    assert any(re.search(r"pip install -r \S*runtime\.txt -c \S*constraints\.txt", run)
               for run in installs)
    assert not any("requirements.txt" in run or "test.txt" in run or "bench.txt" in run
                   for run in installs)
    copies = [arguments for keyword, arguments in runtime if keyword == "COPY"]
    assert any(copy.startswith("--from=builder ") for copy in copies)
    # Only the runtime stage ships: no pip cache, no build tools there.
    assert not any("pip install" in arguments for keyword, arguments in runtime if keyword == "RUN")
    assert not any("npm" in arguments for keyword, arguments in runtime if keyword == "RUN")


def test_docs_assets_come_from_npm_at_the_pinned_versions(dockerfile):
    """Swagger UI for /docs is installed from package-lock.json in its own stage."""
    assets = stages(dockerfile)[0]
    assert re.fullmatch(r"node:\S+ AS assets", assets[0][1], re.IGNORECASE)
    assert any(keyword == "RUN" and arguments.startswith("npm ci ")
               for keyword, arguments in assets)
    runtime = stages(dockerfile)[-1]
    assert any(keyword == "COPY" and arguments.startswith("--from=assets ")
               and "swagger-ui-bundle.js" in arguments for keyword, arguments in runtime)


def test_runs_as_an_unprivileged_user(dockerfile):
    runtime = stages(dockerfile)[-1]
    users = [arguments for keyword, arguments in runtime if keyword == "USER"]
    assert users, "the runtime stage sets no USER"
    user = users[-1].split(":")[0]
    # Numeric, so that Kubernetes can verify runAsNonRoot.
    assert user.isdigit() and int(user) != 0


def test_fetches_nothing_remote_and_bakes_in_no_secret(dockerfile):
    for keyword, arguments in dockerfile:
        if keyword == "ADD":
            assert not re.search(r"(https?|git|ftp)://|git@", arguments), arguments
        if keyword in ("ENV", "ARG"):
            assert not re.search(r"SECRET|PASSWORD|TOKEN|_DB_URL|AMQP_URI", arguments), arguments
        if keyword in ("COPY", "ADD"):
            assert ".env" not in arguments.split(), arguments
    assert not any(arguments.endswith(":latest") for keyword, arguments in dockerfile
                   if keyword == "FROM")


def test_the_service_is_a_parameter(dockerfile):
    runtime = stages(dockerfile)[-1]
    assert any(keyword == "ARG" and arguments.startswith("LUOSHI_SERVICE")
               for keyword, arguments in runtime)
    assert any(keyword == "ENV" and "LUOSHI_SERVICE=${LUOSHI_SERVICE}" in arguments
               for keyword, arguments in runtime)
    # The API, and the gateway's operations port beside it.
    assert ("EXPOSE", "8000 9000") in runtime


def _start(dockerfile, tmp_path, role):
    """Run the image's CMD as the image would (/bin/sh -c), with stand-ins for
    python and uvicorn that print their arguments."""
    (command,) = [arguments for keyword, arguments in dockerfile if keyword == "CMD"]
    assert not command.startswith("["), "a shell-form CMD is expected"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir(exist_ok=True)
    for program in ("python", "uvicorn"):
        stand_in = bin_dir / program
        stand_in.write_text(f'#!/bin/sh\necho {program} "$@"\n')
        stand_in.chmod(0o755)
    environment = {"PATH": f"{bin_dir}{os.pathsep}/usr/bin{os.pathsep}/bin",
                   "LUOSHI_SERVICE": role}
    return subprocess.run(["/bin/sh", "-c", command], env=environment, capture_output=True,
                          text=True, timeout=10)


@pytest.mark.parametrize("role", sorted(ROLES))
def test_the_start_command_runs_what_luoshi_service_names(dockerfile, tmp_path, role):
    started = _start(dockerfile, tmp_path, role)
    assert started.returncode == 0, started.stderr
    assert started.stdout.split() == ROLES[role]


def test_the_start_command_refuses_an_unknown_part(dockerfile, tmp_path):
    started = _start(dockerfile, tmp_path, "task")
    assert started.returncode != 0
    assert "LUOSHI_SERVICE" in started.stderr and started.stdout == ""


def test_the_build_context_holds_what_the_image_copies_and_no_local_state(dockerfile):
    patterns = [line.strip() for line in
                (ROOT / ".dockerignore").read_text(encoding="utf-8").splitlines()
                if line.strip() and not line.startswith("#")]
    for must_stay_out in (".git", ".venv", "var", ".env", "tests"):
        assert must_stay_out in patterns, must_stay_out

    def ignored(path):
        parts = path.strip("/").split("/")
        prefixes = ["/".join(parts[:end]) for end in range(1, len(parts) + 1)]
        return any(fnmatch.fnmatch(prefix, pattern) for prefix in prefixes for pattern in patterns)

    for keyword, arguments in dockerfile:
        if keyword != "COPY" or arguments.startswith("--from"):
            continue
        *sources, _target = arguments.split()
        for source in sources:
            assert (ROOT / source).exists(), source
            assert not ignored(source), f"{source} is copied but .dockerignore leaves it out"
