"""Where the deployment files are, and how their manifests are checked.

Built-in kinds are validated against the Kubernetes OpenAPI schemas bundled with
kubernetes-validate, in strict mode: a field the schema does not know is an error,
which is what catches a misspelt field name. Custom resources (KEDA, the RabbitMQ
operator) are not in those schemas; `custom_resource_errors` checks their shape
against the fields their CRDs define.
"""
from pathlib import Path

import kubernetes_validate

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
COMPOSE = ROOT / "deploy" / "compose.yml"
# Given after compose.yml: RabbitMQ as a cluster of three nodes.
COMPOSE_CLUSTER = ROOT / "deploy" / "compose.cluster.yml"
DOCKERFILE = ROOT / "Dockerfile"
# Every folder with a kustomization.yaml is rendered and checked, so a new overlay
# is covered without touching the tests.
OVERLAYS = sorted(path.parent.relative_to(K8S).as_posix()
                  for path in K8S.rglob("kustomization.yaml"))

# The oldest Kubernetes the manifests promise to work on.
KUBERNETES_VERSION = "1.30"

SERVICES = ("tasks", "warnings", "ranking", "notify")
SECRET_NAME = "luoshi-secrets"
SECRET_KEYS = {
    "LUOSHI_SECRET", "LUOSHI_ADMIN_PASSWORD", "LUOSHI_AMQP_URI", "LUOSHI_CALLER_KEY",
    *(f"LUOSHI_{part.upper()}_DB_URL" for part in (*SERVICES, "gateway")),
    # Each part's broker URI, with its own user; LUOSHI_AMQP_URI is the administrator's.
    *(f"LUOSHI_{part.upper()}_AMQP_URI" for part in (*SERVICES, "gateway")),
}


def is_builtin(resource):
    """True for kinds of Kubernetes itself (core, apps, *.k8s.io), not CRDs."""
    group = resource["apiVersion"].rpartition("/")[0]
    return "." not in group or group.endswith(".k8s.io")


def schema_errors(resource):
    """[] when `resource` matches its kind's schema, else why not."""
    try:
        kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        where = ".".join(str(part) for part in error.path) or "(top)"
        return [f"{where}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [error.message]
    return []


def _unknown(mapping, allowed, where):
    if not isinstance(mapping, dict):
        return [f"{where}: expected a mapping"]
    return [f"{where}.{field}: unknown field" for field in sorted(set(mapping) - allowed)]


def _required(mapping, fields, where):
    return [f"{where}.{field}: required" for field in fields
            if not isinstance(mapping, dict) or field not in mapping]


def _integers(mapping, fields, where):
    return [f"{where}.{field}: must be an integer" for field in fields
            if field in mapping and not isinstance(mapping[field], int)]


# Fields as defined by the CRDs of KEDA 2.x (keda.sh/v1alpha1) and of the RabbitMQ
# Cluster Operator (rabbitmq.com/v1beta1), for the parts these manifests use.
SCALED_OBJECT_SPEC = {
    "scaleTargetRef", "pollingInterval", "cooldownPeriod", "initialCooldownPeriod",
    "idleReplicaCount", "minReplicaCount", "maxReplicaCount", "advanced", "fallback",
    "triggers",
}
TRIGGER = {"type", "name", "metadata", "authenticationRef", "metricType", "useCachedMetrics"}
RABBITMQ_TRIGGER_METADATA = {
    "host", "hostFromEnv", "protocol", "mode", "value", "activationValue", "queueName",
    "vhostName", "useRegex", "excludeUnacknowledged", "pageSize", "operation", "timeout",
    "unsafeSsl",
}
TRIGGER_AUTHENTICATION_SPEC = {
    "secretTargetRef", "configMapTargetRef", "env", "podIdentity", "hashiCorpVault",
    "azureKeyVault", "awsSecretManager", "gcpSecretManager", "boundServiceAccountToken",
}
RABBITMQ_CLUSTER_SPEC = {
    "replicas", "image", "imagePullSecrets", "service", "persistence", "resources",
    "affinity", "tolerations", "rabbitmq", "tls", "override", "skipPostDeploySteps",
    "terminationGracePeriodSeconds", "delayStartSeconds", "secretBackend",
    "autoEnableAllFeatureFlags",
}
RABBITMQ_CLUSTER_RABBITMQ = {
    "additionalPlugins", "additionalConfig", "advancedConfig", "envConfig",
    "erlangInetConfig",
}
METADATA = {"name", "namespace", "labels", "annotations"}


def _scaled_object(spec):
    errors = _unknown(spec, SCALED_OBJECT_SPEC, "spec")
    errors += _required(spec, ("scaleTargetRef", "triggers"), "spec")
    errors += _integers(spec, ("pollingInterval", "cooldownPeriod", "minReplicaCount",
                               "maxReplicaCount"), "spec")
    target = spec.get("scaleTargetRef", {})
    errors += _unknown(target, {"name", "apiVersion", "kind", "envSourceContainerName"},
                       "spec.scaleTargetRef")
    errors += _required(target, ("name",), "spec.scaleTargetRef")
    if spec.get("minReplicaCount", 0) > spec.get("maxReplicaCount", 100):
        errors.append("spec: minReplicaCount exceeds maxReplicaCount")
    triggers = spec.get("triggers")
    if not isinstance(triggers, list) or not triggers:
        return errors + ["spec.triggers: at least one trigger"]
    for number, trigger in enumerate(triggers):
        where = f"spec.triggers.{number}"
        errors += _unknown(trigger, TRIGGER, where)
        errors += _required(trigger, ("type", "metadata"), where)
        metadata = trigger.get("metadata", {})
        # KEDA's trigger metadata is map[string]string: a bare number is refused.
        errors += [f"{where}.metadata.{field}: must be a string"
                   for field, value in metadata.items() if not isinstance(value, str)]
        if trigger.get("type") == "rabbitmq":
            errors += _unknown(metadata, RABBITMQ_TRIGGER_METADATA, f"{where}.metadata")
            errors += _required(metadata, ("queueName", "mode", "value"), f"{where}.metadata")
            if metadata.get("mode") not in ("QueueLength", "MessageRate"):
                errors.append(f"{where}.metadata.mode: QueueLength or MessageRate")
            if metadata.get("protocol", "auto") not in ("auto", "amqp", "http"):
                errors.append(f"{where}.metadata.protocol: auto, amqp or http")
        if "authenticationRef" in trigger:
            errors += _unknown(trigger["authenticationRef"], {"name", "kind"},
                               f"{where}.authenticationRef")
            errors += _required(trigger["authenticationRef"], ("name",),
                                f"{where}.authenticationRef")
    return errors


def _trigger_authentication(spec):
    errors = _unknown(spec, TRIGGER_AUTHENTICATION_SPEC, "spec")
    for number, reference in enumerate(spec.get("secretTargetRef", [])):
        where = f"spec.secretTargetRef.{number}"
        errors += _unknown(reference, {"parameter", "name", "key"}, where)
        errors += _required(reference, ("parameter", "name", "key"), where)
    return errors


def _rabbitmq_cluster(spec):
    errors = _unknown(spec, RABBITMQ_CLUSTER_SPEC, "spec")
    errors += _integers(spec, ("replicas", "terminationGracePeriodSeconds"), "spec")
    errors += _unknown(spec.get("persistence", {}), {"storageClassName", "storage"},
                       "spec.persistence")
    errors += _unknown(spec.get("resources", {}), {"requests", "limits", "claims"},
                       "spec.resources")
    errors += _unknown(spec.get("rabbitmq", {}), RABBITMQ_CLUSTER_RABBITMQ, "spec.rabbitmq")
    errors += [f"spec.rabbitmq.{field}: must be a string"
               for field in ("additionalConfig", "advancedConfig", "envConfig",
                             "erlangInetConfig")
               if field in spec.get("rabbitmq", {})
               and not isinstance(spec["rabbitmq"][field], str)]
    errors += _unknown(spec.get("affinity", {}),
                       {"nodeAffinity", "podAffinity", "podAntiAffinity"}, "spec.affinity")
    return errors


def _cluster_reference(spec):
    errors = _required(spec, ("rabbitmqClusterReference",), "spec")
    reference = spec.get("rabbitmqClusterReference", {})
    errors += _unknown(reference, {"name", "namespace", "connectionSecret"},
                       "spec.rabbitmqClusterReference")
    return errors


def _broker_user(spec):
    errors = _unknown(spec, {"tags", "rabbitmqClusterReference", "importCredentialsSecret"},
                      "spec")
    errors += _cluster_reference(spec)
    errors += _unknown(spec.get("importCredentialsSecret", {}), {"name"},
                       "spec.importCredentialsSecret")
    return errors


def _broker_permission(spec):
    errors = _unknown(spec, {"vhost", "user", "userReference", "permissions",
                             "rabbitmqClusterReference"}, "spec")
    errors += _required(spec, ("vhost", "permissions"), "spec")
    errors += _cluster_reference(spec)
    if ("user" in spec) == ("userReference" in spec):
        errors.append("spec: exactly one of user and userReference")
    permissions = spec.get("permissions", {})
    errors += _unknown(permissions, {"configure", "write", "read"}, "spec.permissions")
    errors += [f"spec.permissions.{kind}: must be a string"
               for kind, value in permissions.items() if not isinstance(value, str)]
    return errors


CUSTOM_KINDS = {
    ("keda.sh/v1alpha1", "ScaledObject"): _scaled_object,
    ("keda.sh/v1alpha1", "TriggerAuthentication"): _trigger_authentication,
    ("rabbitmq.com/v1beta1", "RabbitmqCluster"): _rabbitmq_cluster,
    ("rabbitmq.com/v1beta1", "User"): _broker_user,
    ("rabbitmq.com/v1beta1", "Permission"): _broker_permission,
}


def custom_resource_errors(resource):
    """[] when a custom resource has the shape its CRD defines, else why not."""
    check = CUSTOM_KINDS.get((resource.get("apiVersion"), resource.get("kind")))
    if check is None:
        return [f"unknown custom resource {resource.get('apiVersion')} {resource.get('kind')}"]
    errors = _unknown(resource, {"apiVersion", "kind", "metadata", "spec"}, "(top)")
    errors += _required(resource, ("metadata", "spec"), "(top)")
    errors += _unknown(resource.get("metadata", {}), METADATA, "metadata")
    errors += _required(resource.get("metadata", {}), ("name",), "metadata")
    return errors + check(resource.get("spec", {}))


def manifest_errors(resource):
    """[] when `resource` is valid for its kind, built-in or custom."""
    if is_builtin(resource):
        return schema_errors(resource)
    return custom_resource_errors(resource)


def of_kind(resources, kind):
    """{name: resource} of the resources of one kind."""
    return {resource["metadata"]["name"]: resource for resource in resources
            if resource["kind"] == kind}


def cpu_cores(quantity):
    text = str(quantity)
    return int(text[:-1]) / 1000 if text.endswith("m") else float(text)


def memory_bytes(quantity):
    units = {"Ki": 2**10, "Mi": 2**20, "Gi": 2**30}
    text = str(quantity)
    if text[-2:] in units:
        return int(text[:-2]) * units[text[-2:]]
    return int(text)
