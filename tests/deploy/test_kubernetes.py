"""The Kubernetes manifests, rendered per kustomization and checked as a cluster would
(schemas) and as operations need (probes, budgets, autoscaling, secrets, sizing)."""
import copy
import re

import pytest

from services.launch.broker_users import (
    credentials_secret,
    kubernetes_yaml,
    permissions,
    user_name,
)
from services.launch.broker_users import parts as broker_parts
from tests.deploy.checks import (
    DOCKERFILE,
    K8S,
    ROOT,
    SECRET_KEYS,
    SECRET_NAME,
    SERVICES,
    cpu_cores,
    is_builtin,
    manifest_errors,
    memory_bytes,
    of_kind,
)
from tests.deploy.kustomize import KustomizeError, render

# The queue each service scales on: its busiest one. Event queues are named
# evt-<producer>-<event>--<service>.<handler>; tasks takes its load as RPC.
SCALING_QUEUES = {
    "tasks": "rpc-tasks",
    "warnings": "evt-tasks-progress_reported--warnings.on_progress_reported",
    "ranking": "evt-warnings-colour_changed--ranking.on_colour_changed",
    "notify": "evt-warnings-colour_changed--notify.on_colour_changed",
}
BROKER_PARTS = broker_parts()
# What one node of two cores can give to Luoshi once the kubelet, the container
# runtime and the cluster's own pods have their share.
NODE_CPU_CORES = 1.5
NODE_MEMORY_BYTES = 3 * 2**30


def pod_spec(resource):
    return resource["spec"]["template"]["spec"]


def pod_labels(resource):
    return resource["spec"]["template"]["metadata"]["labels"]


def containers(resource):
    return pod_spec(resource)["containers"]


def env_of(container):
    return {item["name"]: item for item in container.get("env", [])}


def selects(selector, labels):
    return all(labels.get(key) == value for key, value in selector["matchLabels"].items())


def minimum_replicas(resources, deployment):
    for scaled in of_kind(resources, "ScaledObject").values():
        if scaled["spec"]["scaleTargetRef"]["name"] == deployment:
            return scaled["spec"].get("minReplicaCount", 0)
    for hpa in of_kind(resources, "HorizontalPodAutoscaler").values():
        if hpa["spec"]["scaleTargetRef"]["name"] == deployment:
            return hpa["spec"].get("minReplicas", 1)
    raise AssertionError(f"nothing scales {deployment}")


# --- valid for the API server ---------------------------------------------------


def test_every_built_in_resource_matches_the_kubernetes_schema(overlay):
    name, resources = overlay
    errors = {
        f"{resource['kind']}/{resource['metadata']['name']}": manifest_errors(resource)
        for resource in resources if is_builtin(resource)
    }
    assert {key: value for key, value in errors.items() if value} == {}


def test_every_custom_resource_has_the_shape_of_its_crd(overlay):
    name, resources = overlay
    custom = [resource for resource in resources if not is_builtin(resource)]
    assert custom, "the autoscaling resources are custom resources"
    errors = {
        f"{resource['kind']}/{resource['metadata']['name']}": manifest_errors(resource)
        for resource in custom
    }
    assert {key: value for key, value in errors.items() if value} == {}


def _rename(mapping, old, new):
    mapping[new] = mapping.pop(old)


def _typo_in_probe(resources):
    deployment = copy.deepcopy(of_kind(resources, "Deployment")["tasks"])
    _rename(containers(deployment)[0]["readinessProbe"], "periodSeconds", "periodSecond")
    return deployment


def _typo_in_container(resources):
    deployment = copy.deepcopy(of_kind(resources, "Deployment")["gateway"])
    _rename(containers(deployment)[0], "resources", "resource")
    return deployment


def _wrong_type(resources):
    hpa = copy.deepcopy(of_kind(resources, "HorizontalPodAutoscaler")["gateway"])
    hpa["spec"]["minReplicas"] = "two"
    return hpa


def _missing_required_field(resources):
    deployment = copy.deepcopy(of_kind(resources, "Deployment")["warnings"])
    del deployment["spec"]["selector"]
    return deployment


def _unknown_kind(resources):
    job = copy.deepcopy(of_kind(resources, "Job")["migrate"])
    job["kind"] = "Jobs"
    return job


def _typo_in_scaled_object(resources):
    scaled = copy.deepcopy(of_kind(resources, "ScaledObject")["notify"])
    _rename(scaled["spec"], "maxReplicaCount", "maxReplicas")
    return scaled


def _number_in_trigger_metadata(resources):
    scaled = copy.deepcopy(of_kind(resources, "ScaledObject")["ranking"])
    scaled["spec"]["triggers"][0]["metadata"]["value"] = 10
    return scaled


@pytest.mark.parametrize("break_it", [
    _typo_in_probe, _typo_in_container, _wrong_type, _missing_required_field, _unknown_kind,
    _typo_in_scaled_object, _number_in_trigger_metadata,
])
def test_a_broken_manifest_fails_validation(break_it):
    resources = render(K8S / "base")
    assert manifest_errors(break_it(resources)) != []


def test_the_renderer_refuses_what_it_does_not_implement(tmp_path):
    (tmp_path / "kustomization.yaml").write_text(
        "resources: []\nreplicas:\n  - name: tasks\n    count: 2\n")
    with pytest.raises(KustomizeError, match="replicas"):
        render(tmp_path)


def test_a_patch_must_name_an_existing_resource(tmp_path):
    (tmp_path / "kustomization.yaml").write_text(
        f"resources:\n  - {(K8S / 'base').as_posix()}\npatches:\n  - path: patch.yaml\n")
    (tmp_path / "patch.yaml").write_text(
        "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: taskz\n")
    with pytest.raises(KustomizeError, match="matches 0 resources"):
        render(tmp_path)


# --- what operations need of every Deployment -----------------------------------


def test_every_deployment_has_probes_and_resources(overlay):
    name, resources = overlay
    for deployment in of_kind(resources, "Deployment").values():
        for container in containers(deployment):
            where = f"{deployment['metadata']['name']}/{container['name']}"
            assert {"readinessProbe", "livenessProbe"} <= set(container), where
            for bound in ("requests", "limits"):
                assert set(container["resources"][bound]) == {"cpu", "memory"}, where
            requests, limits = container["resources"]["requests"], container["resources"]["limits"]
            assert cpu_cores(requests["cpu"]) <= cpu_cores(limits["cpu"]) <= 2, where
            assert memory_bytes(requests["memory"]) <= memory_bytes(limits["memory"]), where


def test_every_deployment_has_exactly_its_own_disruption_budget(overlay):
    name, resources = overlay
    deployments = of_kind(resources, "Deployment")
    budgets = of_kind(resources, "PodDisruptionBudget").values()
    for deployment in deployments.values():
        matching = [budget for budget in budgets
                    if selects(budget["spec"]["selector"], pod_labels(deployment))]
        assert len(matching) == 1, deployment["metadata"]["name"]
        # A budget that also covered another Deployment's pods would mix their counts.
        assert [other for other in deployments.values()
                if selects(matching[0]["spec"]["selector"], pod_labels(other))] == [deployment]


def test_every_deployment_is_scaled_by_one_autoscaler_and_fixes_no_count(overlay):
    name, resources = overlay
    targets = [scaled["spec"]["scaleTargetRef"]["name"]
               for scaled in of_kind(resources, "ScaledObject").values()]
    targets += [hpa["spec"]["scaleTargetRef"]["name"]
                for hpa in of_kind(resources, "HorizontalPodAutoscaler").values()]
    deployments = of_kind(resources, "Deployment")
    assert sorted(targets) == sorted(deployments)
    for deployment in deployments.values():
        # A fixed count would be reset by every apply, fighting the autoscaler.
        assert "replicas" not in deployment["spec"], deployment["metadata"]["name"]
        assert deployment["spec"]["selector"]["matchLabels"].items() <= \
            pod_labels(deployment).items()


def test_each_service_scales_on_its_busiest_queue(overlay):
    name, resources = overlay
    scaled_objects = of_kind(resources, "ScaledObject")
    authentications = of_kind(resources, "TriggerAuthentication")
    assert set(scaled_objects) == set(SERVICES)
    for service, scaled in scaled_objects.items():
        assert scaled["spec"]["scaleTargetRef"]["name"] == service
        # One replica at least: each answers RPC and relays its outbox.
        assert scaled["spec"]["minReplicaCount"] >= 1
        (trigger,) = scaled["spec"]["triggers"]
        assert trigger["type"] == "rabbitmq"
        assert trigger["metadata"]["queueName"] == SCALING_QUEUES[service]
        assert trigger["authenticationRef"]["name"] in authentications
    for authentication in authentications.values():
        for reference in authentication["spec"]["secretTargetRef"]:
            assert (reference["name"], reference["key"]) == (SECRET_NAME, "LUOSHI_AMQP_URI")


def test_the_scaling_queues_are_the_ones_the_handlers_consume():
    # A renamed handler gets a new queue; the scaler would then watch an empty one.
    from services.common.consuming import handler_queue_name
    from services.launch.topology import service_class

    for service, queue in SCALING_QUEUES.items():
        if service == "tasks":
            assert queue == f"rpc-{service_class(service).name}"
            continue
        match = re.fullmatch(r"evt-(\w+)-(\w+)--(\w+)\.(\w+)", queue)
        source, event, consumer, method = match.groups()
        assert consumer == service
        assert handler_queue_name(source, event, service, method) == queue
        assert callable(getattr(service_class(service), method, None)), queue


def test_services_are_probed_through_their_health_rpc(overlay):
    name, resources = overlay
    deployments = of_kind(resources, "Deployment")
    for service in SERVICES:
        (container,) = containers(deployments[service])
        assert env_of(container)["LUOSHI_SERVICE"]["value"] == service
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            assert container[probe]["exec"]["command"] == [
                "python", "-m", "services.common.health", service]
            # The command itself gives up after 5 s; Python needs a moment to start.
            assert container[probe]["timeoutSeconds"] > 5


def test_the_gateway_is_alive_on_healthz_ready_on_readyz_and_reachable(overlay):
    name, resources = overlay
    gateway = of_kind(resources, "Deployment")["gateway"]
    (container,) = containers(gateway)
    assert env_of(container)["LUOSHI_SERVICE"]["value"] == "gateway"
    port_names = {port["name"]: port["containerPort"] for port in container["ports"]}
    assert port_names == {"http": 8000, "ops": 9000}
    assert env_of(container)["LUOSHI_OPS_PORT"]["value"] == "9000"
    assert env_of(container)["LUOSHI_OPS_HOST"]["value"] == "0.0.0.0"
    # Liveness never depends on the services: one that is down must not get
    # every gateway restarted.
    for probe in ("startupProbe", "livenessProbe"):
        assert container[probe]["httpGet"] == {"path": "/healthz", "port": "http"}
    readiness = container["readinessProbe"]
    # /readyz is on the operations port only.
    assert readiness["httpGet"] == {"path": "/readyz", "port": "ops"}
    # /readyz gives the services 3 s; the probe waits longer than that.
    assert readiness["timeoutSeconds"] > 3

    service = of_kind(resources, "Service")["gateway"]
    assert selects({"matchLabels": service["spec"]["selector"]}, pod_labels(gateway))
    assert {port["targetPort"] for port in service["spec"]["ports"]} <= set(port_names)
    service_ports = {port["name"] for port in service["spec"]["ports"]}
    # The Service the ingress routes to carries the API port only.
    assert {port["targetPort"] for port in service["spec"]["ports"]} == {"http"}
    operations = of_kind(resources, "Service")["gateway-ops"]
    assert [port["targetPort"] for port in operations["spec"]["ports"]] == ["ops"]
    ingress = of_kind(resources, "Ingress")["gateway"]
    for rule in ingress["spec"]["rules"]:
        for path in rule["http"]["paths"]:
            backend = path["backend"]["service"]
            assert backend["name"] == "gateway"
            assert backend["port"]["name"] in service_ports
    hpa = of_kind(resources, "HorizontalPodAutoscaler")["gateway"]
    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1", "kind": "Deployment", "name": "gateway"}
    assert [metric["resource"]["name"] for metric in hpa["spec"]["metrics"]] == ["cpu"]


def test_every_part_is_scraped_by_prometheus_on_its_metrics_port(overlay):
    name, resources = overlay
    deployments = of_kind(resources, "Deployment")
    config = of_kind(resources, "ConfigMap")["luoshi-config"]
    service_port = int(config["data"]["LUOSHI_METRICS_PORT"])
    for part in (*SERVICES, "gateway"):
        annotations = deployments[part]["spec"]["template"]["metadata"]["annotations"]
        (container,) = containers(deployments[part])
        ports = {port["containerPort"]: port["name"] for port in container["ports"]}
        expected = service_port if part in SERVICES else 9000  # the gateway's ops port
        assert annotations == {"prometheus.io/scrape": "true",
                               "prometheus.io/port": str(expected),
                               "prometheus.io/path": "/metrics"}, part
        assert expected in ports, part
        assert ports[expected] == ("metrics" if part in SERVICES else "ops"), part
        if part in SERVICES:
            assert {"configMapRef": {"name": "luoshi-config"}} in container["envFrom"]


def test_pods_run_as_the_images_unprivileged_user(overlay):
    name, resources = overlay
    users = re.findall(r"^USER\s+(\S+)", DOCKERFILE.read_text(encoding="utf-8"), re.MULTILINE)
    uid = int(users[-1].split(":")[0])
    workloads = [*of_kind(resources, "Deployment").values(), *of_kind(resources, "Job").values()]
    for workload in workloads:
        context = pod_spec(workload)["securityContext"]
        assert context["runAsNonRoot"] is True
        assert context["runAsUser"] == uid
        for container in containers(workload):
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["capabilities"]["drop"] == ["ALL"]


# --- secrets, settings, databases and storage -----------------------------------


def test_secrets_are_referenced_and_never_shipped(overlay):
    name, resources = overlay
    assert of_kind(resources, "Secret") == {}
    workloads = [*of_kind(resources, "Deployment").values(), *of_kind(resources, "Job").values()]
    for workload in workloads:
        for container in containers(workload):
            for item in container.get("env", []):
                if "valueFrom" in item:
                    reference = item["valueFrom"]["secretKeyRef"]
                    assert reference["name"] == SECRET_NAME
                    assert reference["key"] in SECRET_KEYS
                    if item["name"] == "LUOSHI_AMQP_URI":
                        # The administrator's URI, or a part's own.
                        assert reference["key"].endswith("AMQP_URI")
                    else:
                        assert reference["key"] == item["name"]
                else:
                    assert item["name"] not in SECRET_KEYS, "a secret written in the manifest"
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    for key in SECRET_KEYS:
        assert key in readme, f"deploy/README.md does not document {key}"


def test_the_config_map_holds_no_secret(overlay):
    name, resources = overlay
    (config,) = of_kind(resources, "ConfigMap").values()
    for key, value in config["data"].items():
        assert key.startswith("LUOSHI_")
        assert key not in SECRET_KEYS
        assert not re.search(r"SECRET|PASSWORD|TOKEN_KEY|_URI$|_URL$", key), key
        assert "@" not in value, key
    for workload in [*of_kind(resources, "Deployment").values(),
                     *of_kind(resources, "Job").values()]:
        for container in containers(workload):
            assert container["envFrom"] == [{"configMapRef": {"name": config["metadata"]["name"]}}]


def test_each_part_gets_only_its_own_database(overlay):
    name, resources = overlay
    for deployment_name, deployment in of_kind(resources, "Deployment").items():
        (container,) = containers(deployment)
        databases = {key for key in env_of(container) if key.endswith("_DB_URL")}
        assert databases == {f"LUOSHI_{deployment_name.upper()}_DB_URL"}
    job = of_kind(resources, "Job")["migrate"]
    (container,) = containers(job)
    databases = {key for key in env_of(container) if key.endswith("_DB_URL")}
    # The migrate step migrates every part with a database, the gateway too.
    assert databases == {f"LUOSHI_{part.upper()}_DB_URL" for part in (*SERVICES, "gateway")}


def test_the_migration_job_runs_the_migrate_step_once(overlay):
    name, resources = overlay
    job = of_kind(resources, "Job")["migrate"]
    (container,) = containers(job)
    assert env_of(container)["LUOSHI_SERVICE"]["value"] == "migrate"
    assert "LUOSHI_AMQP_URI" in env_of(container), "it declares the queues too"
    assert pod_spec(job)["restartPolicy"] == "Never"
    assert job["spec"]["backoffLimit"] >= 1
    assert job["spec"].get("parallelism", 1) == 1


def test_tasks_replicas_share_a_read_write_many_evidence_volume(overlay):
    name, resources = overlay
    (config,) = of_kind(resources, "ConfigMap").values()
    tasks = of_kind(resources, "Deployment")["tasks"]
    (container,) = containers(tasks)
    mounts = {mount["mountPath"]: mount["name"] for mount in container["volumeMounts"]}
    volume = mounts[config["data"]["LUOSHI_DATA_DIR"]]
    (claim,) = [item["persistentVolumeClaim"]["claimName"]
                for item in pod_spec(tasks)["volumes"] if item["name"] == volume]
    assert of_kind(resources, "PersistentVolumeClaim")[claim]["spec"]["accessModes"] == [
        "ReadWriteMany"]
    assert pod_spec(tasks)["securityContext"]["fsGroup"] == \
        pod_spec(tasks)["securityContext"]["runAsGroup"]


def test_the_broker_and_the_database_have_in_cluster_names(overlay):
    name, resources = overlay
    services = of_kind(resources, "Service")
    assert services["postgres"]["spec"]["type"] == "ExternalName"
    if "rabbitmq" in of_kind(resources, "RabbitmqCluster"):
        # The operator creates the Service `rabbitmq`; ours would collide with it.
        assert "rabbitmq" not in services
    else:
        assert services["rabbitmq"]["spec"]["type"] == "ExternalName"


def test_an_in_cluster_broker_is_three_nodes_one_to_a_machine(overlay):
    name, resources = overlay
    if name == "overlays/in-cluster-rabbitmq":
        assert of_kind(resources, "RabbitmqCluster")
    for cluster in of_kind(resources, "RabbitmqCluster").values():
        spec = cluster["spec"]
        # Quorum queues keep serving while a majority of their nodes is up.
        assert spec["replicas"] == 3
        (term,) = spec["affinity"]["podAntiAffinity"][
            "requiredDuringSchedulingIgnoredDuringExecution"]
        assert term["topologyKey"] == "kubernetes.io/hostname"
        # The operator labels the pods of a cluster with its name.
        assert term["labelSelector"]["matchLabels"] == {
            "app.kubernetes.io/name": cluster["metadata"]["name"]}
        assert spec["persistence"]["storage"]


def test_each_part_reaches_the_broker_as_its_own_user(overlay):
    """A Deployment's broker URI is its own key of the Secret (its user may use only
    its queues); the migrate Job, which declares every queue, and KEDA, which
    reads every queue's length, use the administrator's."""
    name, resources = overlay
    for deployment_name, deployment in of_kind(resources, "Deployment").items():
        (container,) = containers(deployment)
        reference = env_of(container)["LUOSHI_AMQP_URI"]["valueFrom"]["secretKeyRef"]
        assert reference["key"] == f"LUOSHI_{deployment_name.upper()}_AMQP_URI"
    (job_container,) = containers(of_kind(resources, "Job")["migrate"])
    reference = env_of(job_container)["LUOSHI_AMQP_URI"]["valueFrom"]["secretKeyRef"]
    assert reference["key"] == "LUOSHI_AMQP_URI"


def test_an_in_cluster_broker_gets_each_parts_user_with_the_derived_permissions(overlay):
    """The operator's User and Permission of each part hold exactly what
    services/launch/broker_users.py derives from the entrypoints, and the file is
    what its --kubernetes writes, so that a new handler cannot leave it behind."""
    name, resources = overlay
    users, granted = of_kind(resources, "User"), of_kind(resources, "Permission")
    if not of_kind(resources, "RabbitmqCluster"):
        assert users == granted == {}, "users of a broker these manifests do not run"
        return
    assert set(users) == set(granted) == {user_name(part) for part in BROKER_PARTS}
    for part in BROKER_PARTS:
        user, permission = users[user_name(part)], granted[user_name(part)]
        assert user["spec"]["importCredentialsSecret"] == {"name": credentials_secret(part)}
        assert user["spec"].get("tags", []) == [], "no part administers the broker"
        assert permission["spec"]["userReference"] == {"name": user_name(part)}
        assert permission["spec"]["vhost"] == "/"
        assert permission["spec"]["permissions"] == permissions(part)
        for resource in (user, permission):
            assert resource["spec"]["rabbitmqClusterReference"] == {"name": "rabbitmq"}
    written = (K8S / "overlays" / "in-cluster-rabbitmq" / "broker-users.yaml").read_text(
        encoding="utf-8")
    assert written == kubernetes_yaml()
    readme = (ROOT / "deploy" / "README.md").read_text(encoding="utf-8")
    for part in BROKER_PARTS:
        assert credentials_secret(part) in readme


# --- sizing and overlays --------------------------------------------------------


def test_the_minimum_platform_fits_a_two_core_node(overlay):
    name, resources = overlay
    cpu = memory = 0
    for deployment_name, deployment in of_kind(resources, "Deployment").items():
        replicas = minimum_replicas(resources, deployment_name)
        for container in containers(deployment):
            cpu += replicas * cpu_cores(container["resources"]["requests"]["cpu"])
            memory += replicas * memory_bytes(container["resources"]["requests"]["memory"])
    # The migration Job runs beside the old replicas during an upgrade.
    for job in of_kind(resources, "Job").values():
        for container in containers(job):
            cpu += cpu_cores(container["resources"]["requests"]["cpu"])
            memory += memory_bytes(container["resources"]["requests"]["memory"])
    # The broker's nodes go one to a Kubernetes node (checked below): the node
    # that runs the platform holds one of them.
    for cluster in of_kind(resources, "RabbitmqCluster").values():
        requests = cluster["spec"]["resources"]["requests"]
        cpu += cpu_cores(requests["cpu"])
        memory += memory_bytes(requests["memory"])
    assert cpu <= NODE_CPU_CORES
    assert memory <= NODE_MEMORY_BYTES


def test_overlays_set_namespace_and_released_image(overlay):
    name, resources = overlay
    if name == "base":
        return
    (namespace,) = of_kind(resources, "Namespace")
    for resource in resources:
        if resource["kind"] != "Namespace":
            assert resource["metadata"]["namespace"] == namespace, resource["metadata"]["name"]
    for workload in [*of_kind(resources, "Deployment").values(),
                     *of_kind(resources, "Job").values()]:
        for container in containers(workload):
            repository, _, tag = container["image"].rpartition(":")
            assert "/" in repository and tag not in ("", "latest"), container["image"]
