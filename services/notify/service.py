"""The notify service's entrypoints: keep the units' contacts and tell units,
through their inbox, when a task of theirs turns red. The rules and templates are
in logic.py, the queries in repository.py."""

from services.common.consuming import event_handler, rpc
from services.common.db import Database, first_application, utcnow
from services.common.operations import Operations

from . import logic
from . import repository as repo
from .exceptions import EXPECTED
from .schemas import ColourChangedIn, UnitCreatedIn


class Service(Operations):
    """Notifications: the in-portal inbox and the log of everything sent.

    Emits no events.
    """

    name = "notify"

    # Nothing is emitted, so no outbox relay needs to run beside the workers.
    db = Database(relay=False)

    # Events from the tasks and warnings services -----------------------------

    @event_handler("tasks", "unit_created")
    def on_unit_created(self, payload):
        """Keep the unit's name and its head's and operator's contacts."""
        unit = UnitCreatedIn().load(payload)["unit"]
        with self.db.session() as session:
            if not first_application(session, payload["event_id"], "on_unit_created"):
                return
            repo.save_contacts(session, unit)

    @event_handler("warnings", "colour_changed")
    def on_colour_changed(self, payload):
        """Write one inbox notification to the unit of every task the evaluation
        turned red; none for a (task, colour, day) notified already."""
        event = ColourChangedIn().load(payload)
        with self.db.session() as session:
            if not first_application(session, payload["event_id"], "on_colour_changed"):
                return
            turns = logic.red_turns(event["changes"])
            if not turns:
                return
            names = repo.unit_names(session, {change["unit"] for change in turns})
            repo.save_notifications(session, logic.inbox_notifications(
                turns, event["as_of"], names, payload["event_id"], utcnow()))

    # Queries -------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def list_notifications(self, task=None, unit=None, limit=100, offset=0):
        """Notifications, newest first, filtered by task and unit:
        {"items": [{id, channel, recipient, unit, task, subject, body, status,
        created_at}], "total"}. InvalidInput unless 1 ≤ limit ≤ 1000 and offset ≥ 0."""
        limit, offset = logic.page(limit, offset)
        with self.db.session(readonly=True) as session:
            return repo.list_notifications(session, limit, offset, task=task, unit=unit)
