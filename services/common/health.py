"""`python -m services.common.health SERVICE`: exit 0 when the service answers
its health RPC within a few seconds, else 1 (for container health checks)."""
import sys

from nameko.standalone.rpc import ClusterRpcProxy

from .config import SERVICES, from_environment

TIMEOUT_SECONDS = 5


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    if len(argv) != 1 or argv[0] not in SERVICES:
        raise SystemExit(f"usage: python -m services.common.health {{{','.join(SERVICES)}}}")
    config = from_environment()
    try:
        with ClusterRpcProxy({"AMQP_URI": config["AMQP_URI"]},
                             timeout=TIMEOUT_SECONDS) as cluster:
            answer = getattr(cluster, argv[0]).health()
    except Exception as exc:  # any failure means: not healthy
        print(f"{argv[0]} is not healthy: {exc!r}", file=sys.stderr)
        return 1
    print(f"{argv[0]}: {answer['status']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
