"""Each part's own broker user, allowed only the exchanges and queues it uses.

With one broker user for everything, whoever holds any part's credentials can
read every queue and publish anything anywhere. Here each service may declare,
publish to and read only its own RPC queue, its reply queues, its events
exchange, its handlers' queues (with their delay queues), its parking lot, and
bind to the events exchanges of the services it listens to; the gateway only
calls RPCs. The migrate step declares every queue and keeps an administrator.

`permissions()` derives the patterns from the services' own entrypoints;
deploy/compose.yml's RabbitMQ definitions and the Kubernetes overlay with an
in-cluster broker (its Messaging Topology `User` and `Permission` resources,
written by `--kubernetes`) hold the same patterns (tests compare them), and
`python -m services.launch.broker_users` prints the `rabbitmqctl` commands that
set them up on any other broker.
"""
import re
import sys

from nameko.containers import ServiceContainer

from services.common.config import SERVICES
from services.common.consuming import ReliableEventHandler

from .topology import service_class

RPC_EXCHANGE = "nameko-rpc"
# The reply queues of standalone proxies: the gateway's calls, and the health
# check (services.common.health) each service's container runs.
STANDALONE_REPLIES = r"rpc\.reply-standalone_rpc_proxy-.+"
# Publishing to the default exchange (retries, parking, replies to nobody else).
DEFAULT_EXCHANGE = r"amq\.default"
GATEWAY = "gateway"


def user_name(part: str) -> str:
    return f"luoshi-{part}"


def listened_to(name: str) -> list[str]:
    """The services whose events `name` handles."""
    # A container is only built to list its entrypoints: nothing connects.
    container = ServiceContainer(service_class(name), {"AMQP_URI": "memory://"})
    return sorted({entrypoint.source_service for entrypoint in container.entrypoints
                   if isinstance(entrypoint, ReliableEventHandler)})


def permissions(part: str) -> dict:
    """{"configure", "write", "read"} regular expressions of `part` (a service or
    the gateway) on the platform's vhost."""
    if part == GATEWAY:
        only = f"^({re.escape(RPC_EXCHANGE)}|{STANDALONE_REPLIES})$"
        return {"configure": only, "write": only, "read": only}
    name = re.escape(part)
    own_queues = (f"rpc-{name}|rpc\\.reply-{name}-.+|{STANDALONE_REPLIES}"
                  f"|evt-.+--{name}\\..+|{name}\\.parked")
    rpc = re.escape(RPC_EXCHANGE)
    listened = listened_to(part)
    sources = "".join(f"|{re.escape(source)}\\.events" for source in listened)
    # A service may read its own events back (warnings' tasks_judged): its own
    # exchange is named once.
    others = "".join(f"|{re.escape(source)}\\.events" for source in listened if source != part)
    return {
        # Declaring a bound queue declares its exchange again: the sources' too.
        "configure": f"^({rpc}|{own_queues}|{name}\\.events{others})$",
        "write": f"^({rpc}|{DEFAULT_EXCHANGE}|{own_queues}|{name}\\.events)$",
        # Binding a queue needs read on the exchange it binds to.
        "read": f"^({rpc}|{own_queues}{sources})$",
    }


def parts() -> tuple[str, ...]:
    return (*SERVICES, GATEWAY)


def credentials_secret(part: str) -> str:
    """The Secret (keys `username`, `password`) the topology operator reads a
    part's broker user from, in Kubernetes."""
    return f"luoshi-broker-{part}"


def kubernetes_resources(cluster: str = "rabbitmq", vhost: str = "/") -> list[dict]:
    """The Messaging Topology Operator's `User` and `Permission` of every part, on
    the RabbitmqCluster `cluster`."""
    reference = {"name": cluster}
    resources = []
    for part in parts():
        labels = {"app.kubernetes.io/name": "luoshi", "app.kubernetes.io/component": part,
                  "app.kubernetes.io/part-of": "luoshi"}
        resources.append({
            "apiVersion": "rabbitmq.com/v1beta1", "kind": "User",
            "metadata": {"name": user_name(part), "labels": labels},
            "spec": {"rabbitmqClusterReference": reference,
                     "importCredentialsSecret": {"name": credentials_secret(part)}}})
        resources.append({
            "apiVersion": "rabbitmq.com/v1beta1", "kind": "Permission",
            "metadata": {"name": user_name(part), "labels": labels},
            "spec": {"vhost": vhost, "userReference": {"name": user_name(part)},
                     "permissions": permissions(part),
                     "rabbitmqClusterReference": reference}})
    return resources


KUBERNETES_HEADER = """\
# Written by `python -m services.launch.broker_users --kubernetes`: each part's own
# broker user, allowed only the exchanges and queues it uses (the patterns are
# derived from the services' entrypoints; a test compares this file with them).
# The RabbitMQ Messaging Topology Operator creates them in the RabbitmqCluster;
# each user's name and password come from the Secret luoshi-broker-<part>, which
# is never in the repository (see deploy/README.md).
"""


def kubernetes_yaml(cluster: str = "rabbitmq", vhost: str = "/") -> str:
    import yaml

    return KUBERNETES_HEADER + "".join(
        "---\n" + yaml.safe_dump(resource, sort_keys=False, allow_unicode=True, width=1000)
        for resource in kubernetes_resources(cluster, vhost))


def main(argv=None) -> int:
    """Print the rabbitmqctl commands that give every part its user (passwords
    read from RABBITMQ_<PART>_PASSWORD at run time of the commands), or with
    --kubernetes the operator's resources that do."""
    args = list(sys.argv[1:] if argv is None else argv)
    if "--kubernetes" in args:
        args.remove("--kubernetes")
        print(kubernetes_yaml(vhost=(args or ["/"])[0]), end="")
        return 0
    vhost = (args or ["/"])[0]
    for part in parts():
        user, rules = user_name(part), permissions(part)
        variable = f"RABBITMQ_{part.upper()}_PASSWORD"
        print(f'rabbitmqctl add_user {user} "${variable}"')
        print(f"rabbitmqctl set_permissions -p '{vhost}' {user} "
              f"'{rules['configure']}' '{rules['write']}' '{rules['read']}'")
    return 0


if __name__ == "__main__":
    sys.exit(main())
