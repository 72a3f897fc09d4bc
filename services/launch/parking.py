"""Operators' view of parked messages.

    python -m services.launch.parking list SERVICE
    python -m services.launch.parking replay SERVICE [EVENT_ID ...]
"""
import argparse
import json

from services.common.broker import list_parked, replay_parked
from services.common.config import SERVICES, from_environment


def main(argv=None):
    parser = argparse.ArgumentParser(description="Inspect and replay parked messages.")
    parser.add_argument("action", choices=("list", "replay"))
    parser.add_argument("service", choices=SERVICES)
    parser.add_argument("event_ids", nargs="*")
    args = parser.parse_args(argv)
    uri = from_environment()["AMQP_URI"]
    if args.action == "list":
        for message in list_parked(args.service, uri):
            print(json.dumps(message, ensure_ascii=False, default=str))
    else:
        count = replay_parked(args.service, uri, set(args.event_ids) or None)
        print(f"replayed {count} message(s)")


if __name__ == "__main__":
    main()
