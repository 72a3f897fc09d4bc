"""deploy/compose.yml: start order, health, scaling by construction, secrets."""
import re

import pytest
import yaml

from tests.deploy.checks import COMPOSE, COMPOSE_CLUSTER, SERVICES

PARTS = (*SERVICES, "gateway")
# Variables that hold secrets: compose must refuse to start without them.
SECRET_VARIABLES = ("POSTGRES_PASSWORD", "RABBITMQ_PASSWORD", "LUOSHI_SECRET",
                    "LUOSHI_ADMIN_PASSWORD")
REQUIRED_VARIABLE = r"\$\{[A-Z_]+:\?[^}]*\}"


def luoshi_containers(compose):
    """{name: definition} of the services that run the Luoshi image."""
    return {name: service for name, service in compose["services"].items() if "build" in service}


def test_the_platform_is_all_there(compose):
    assert set(compose["services"]) == {"rabbitmq", "postgres", "migrate", *PARTS}
    assert set(luoshi_containers(compose)) == {"migrate", *PARTS}
    for name, service in luoshi_containers(compose).items():
        assert service["build"] == {"context": "..", "dockerfile": "Dockerfile"}
        assert service["environment"]["LUOSHI_SERVICE"] == name


def test_every_service_has_a_health_check_except_the_one_shot_migrate(compose):
    for name, service in compose["services"].items():
        if name == "migrate":
            assert service["restart"] == "no"
            assert "healthcheck" not in service
        else:
            assert service["healthcheck"]["test"], name
    checks = {name: service["healthcheck"]["test"]
              for name, service in compose["services"].items() if "healthcheck" in service}
    assert checks["rabbitmq"] == ["CMD", "rabbitmq-diagnostics", "-q", "ping"]
    assert checks["postgres"][0] == "CMD-SHELL" and checks["postgres"][1].startswith("pg_isready")
    for service in SERVICES:
        assert checks[service] == ["CMD", "python", "-m", "services.common.health", service]
    assert "/healthz" in " ".join(checks["gateway"])


def test_services_scale_by_construction(compose):
    # `docker compose up --scale warnings=3` needs no fixed name and no host port.
    for name, service in compose["services"].items():
        assert "container_name" not in service, name
        if name != "gateway":
            assert "ports" not in service, name
    assert compose["services"]["gateway"]["ports"] == ["${LUOSHI_PORT:-8000}:8000"]


def test_services_expose_their_metrics_to_the_network_only(compose):
    port = compose["x-luoshi-env"]["LUOSHI_METRICS_PORT"]
    assert int(port) > 0
    for name in SERVICES:
        service = compose["services"][name]
        assert service["environment"]["LUOSHI_METRICS_PORT"] == port
        assert service["expose"] == [port], name
        assert "ports" not in service, name  # scaling needs no host port


def test_start_order_waits_for_health_and_for_migrations(compose):
    services = compose["services"]
    for name, service in services.items():
        for dependency, condition in service.get("depends_on", {}).items():
            if dependency == "migrate":
                assert condition == {"condition": "service_completed_successfully"}, name
            else:
                assert condition == {"condition": "service_healthy"}, name
                assert "healthcheck" in services[dependency], dependency
    assert set(services["migrate"]["depends_on"]) == {"rabbitmq", "postgres"}
    for part in PARTS:
        assert {"migrate", "rabbitmq", "postgres"} <= set(services[part]["depends_on"]), part
    assert "depends_on" not in services["rabbitmq"]
    assert "depends_on" not in services["postgres"]


def test_secrets_come_from_required_variables(compose):
    text = COMPOSE.read_text(encoding="utf-8")
    for variable in SECRET_VARIABLES:
        uses = re.findall(r"\$\{" + variable + r"([^}]*)\}", text)
        assert uses, variable
        # `${VAR:?message}` stops compose when VAR is unset or empty.
        assert all(use.startswith(":?") for use in uses), variable
    services = compose["services"]
    for service, variable in (("postgres", "POSTGRES_PASSWORD"),
                              ("rabbitmq", "RABBITMQ_DEFAULT_PASS")):
        assert re.fullmatch(REQUIRED_VARIABLE, services[service]["environment"][variable])
    gateway = services["gateway"]["environment"]
    for variable in ("LUOSHI_SECRET", "LUOSHI_ADMIN_PASSWORD"):
        assert re.fullmatch(REQUIRED_VARIABLE, gateway[variable]), variable
    assert gateway["LUOSHI_ENV"] == "production"
    for name, service in services.items():
        for key, value in service.get("environment", {}).items():
            if re.search(r"PASSWORD|SECRET|PASS$", key):
                assert re.fullmatch(REQUIRED_VARIABLE, str(value)), (name, key)
            if "://" in str(value) and "@" in str(value):
                # A URL with credentials carries its password as a required variable.
                assert re.search(r"://\w+:" + REQUIRED_VARIABLE + "@", value), (name, key)


def test_each_part_gets_only_its_own_database_and_each_database_exists(compose):
    services = compose["services"]
    init_script = compose["configs"]["postgres-init"]["content"]
    created = set(re.findall(r"CREATE DATABASE (\w+);", init_script))
    for name in ("migrate", *PARTS):
        environment = services[name]["environment"]
        urls = {key: value for key, value in environment.items() if key.endswith("_DB_URL")}
        expected = ({f"LUOSHI_{service.upper()}_DB_URL" for service in SERVICES}
                    if name == "migrate" else {f"LUOSHI_{name.upper()}_DB_URL"})
        assert set(urls) == expected, name
        for url in urls.values():
            assert url.startswith("postgresql+psycopg://")
            assert url.rpartition("/")[2] in created, url
    mounted = services["postgres"]["configs"][0]
    assert mounted["source"] == "postgres-init"
    assert mounted["target"].startswith("/docker-entrypoint-initdb.d/")


def test_state_lives_in_named_volumes(compose):
    declared = set(compose["volumes"])
    used = set()
    for name, service in compose["services"].items():
        for volume in service.get("volumes", []):
            source, _, target = volume.partition(":")
            assert source in declared, f"{name}: {source} is not a named volume"
            used.add(source)
    assert used == declared
    tasks = compose["services"]["tasks"]
    data_dir = tasks["environment"]["LUOSHI_DATA_DIR"]
    # Evidence files: every tasks replica sees the same folder.
    assert f"evidence:{data_dir}" in tasks["volumes"]
    # RabbitMQ keeps its data under its node name, which follows the hostname.
    assert compose["services"]["rabbitmq"]["hostname"] == "rabbitmq"


# --- the broker as a cluster: compose.yml with compose.cluster.yml ----------------

NODES = ("rabbitmq", "rabbitmq-2", "rabbitmq-3")


def merged(base, override):
    """`override` over `base` as compose merges files, for the keys used here:
    mappings key by key, anything else replaced."""
    if isinstance(base, dict) and isinstance(override, dict):
        return {key: merged(base[key], override[key]) if key in base and key in override
                else override.get(key, base.get(key)) for key in {*base, *override}}
    return override


@pytest.fixture(scope="module")
def cluster(compose):
    with open(COMPOSE_CLUSTER, encoding="utf-8") as stream:
        override = yaml.safe_load(stream)
    return merged(compose, override)


def test_the_cluster_file_adds_two_nodes_and_nothing_else(compose, cluster):
    assert set(cluster["services"]) == set(compose["services"]) | {"rabbitmq-2", "rabbitmq-3"}
    image = compose["services"]["rabbitmq"]["image"]
    for node in NODES:
        service = cluster["services"][node]
        assert service["image"] == image, node
        assert service["healthcheck"]["test"] == ["CMD", "rabbitmq-diagnostics", "-q", "ping"]
        assert "ports" not in service and "container_name" not in service


def test_the_nodes_find_each_other_by_name_with_one_cookie(cluster):
    conf = cluster["configs"]["rabbitmq-cluster"]["content"]
    listed = re.findall(r"^cluster_formation\.classic_config\.nodes\.\d+ = (\S+)$", conf,
                        re.MULTILINE)
    # A node is named rabbit@<hostname>.
    assert listed == [f"rabbit@{cluster['services'][node]['hostname']}" for node in NODES]
    assert "cluster_partition_handling = pause_minority" in conf
    cookies = {cluster["services"][node]["environment"]["RABBITMQ_ERLANG_COOKIE"]
               for node in NODES}
    (cookie,) = cookies
    assert re.fullmatch(REQUIRED_VARIABLE, cookie)
    for node in NODES:
        (mounted,) = cluster["services"][node]["configs"]
        assert mounted["source"] == "rabbitmq-cluster"
        assert mounted["target"].startswith("/etc/rabbitmq/conf.d/")
    # The later nodes join the first one.
    for node in NODES[1:]:
        assert cluster["services"][node]["depends_on"] == {
            "rabbitmq": {"condition": "service_healthy"}}


def test_each_node_keeps_its_own_volume_and_the_first_the_single_brokers(compose, cluster):
    volumes = [cluster["services"][node]["volumes"] for node in NODES]
    sources = [volume.partition(":")[0] for (volume,) in volumes]
    assert len(set(sources)) == 3 and set(sources) <= set(cluster["volumes"])
    assert all(volume.endswith(":/var/lib/rabbitmq") for (volume,) in volumes)
    # The single broker's node name and volume: it grows into the cluster as it is.
    assert cluster["services"]["rabbitmq"]["volumes"] == compose["services"]["rabbitmq"]["volumes"]
    assert cluster["services"]["rabbitmq"]["hostname"] == "rabbitmq"
    assert [cluster["services"][node]["hostname"] for node in NODES] == list(NODES)


def test_the_platform_reaches_any_node_and_waits_for_all_three(compose, cluster):
    services = cluster["services"]
    aliases = [set(services[node]["networks"]["default"]["aliases"]) for node in NODES]
    for name in ("migrate", *PARTS):
        uri = services[name]["environment"]["LUOSHI_AMQP_URI"]
        host = re.search(r"@([^:/]+):5672/", uri).group(1)
        assert all(host in node_aliases for node_aliases in aliases), name
        # Only the host differs from the single broker's address.
        single = compose["services"][name]["environment"]["LUOSHI_AMQP_URI"]
        assert uri.replace(f"@{host}:", "@rabbitmq:") == single, name
        for node in NODES:
            assert services[name]["depends_on"][node] == {"condition": "service_healthy"}
