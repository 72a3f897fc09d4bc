"""The ranking service's entrypoints: keep copies of units, tasks and their
colours from events, and rank units within their group (评价排队). The rules are
in logic.py, the queries in repository.py."""
import datetime as dt
from zoneinfo import ZoneInfo

from services.common.consuming import event_handler, rpc
from services.common.db import Database, first_application
from services.common.operations import Operations

from . import logic
from . import repository as repo
from .exceptions import EXPECTED
from .schemas import ColourChangedIn, TaskCreatedIn, UnitCreatedIn


class Service(Operations):
    """Ranks the units of each group (counties, departments, offices) by the
    colours of the tasks they lead, and draws the red and black lists.

    Emits no events.
    """

    name = "ranking"

    # Nothing is emitted, so no outbox relay needs to run beside the workers.
    db = Database(relay=False)

    # Events from the tasks and warnings services -----------------------------

    @event_handler("tasks", "unit_created")
    def on_unit_created(self, payload):
        """Keep the unit's name and kind (its group)."""
        unit = UnitCreatedIn().load(payload)["unit"]
        with self.db.session() as session:
            if not first_application(session, payload["event_id"], "on_unit_created"):
                return
            repo.save_unit(session, unit)

    @event_handler("tasks", "task_created")
    def on_task_created(self, payload):
        """Keep the task's lead unit, against which its colour counts."""
        task = TaskCreatedIn().load(payload)["task"]
        with self.db.session() as session:
            if not first_application(session, payload["event_id"], "on_task_created"):
                return
            repo.save_task(session, task)

    @event_handler("warnings", "colour_changed")
    def on_colour_changed(self, payload):
        """Keep the new colour of every task an evaluation changed."""
        event = ColourChangedIn().load(payload)
        colours = logic.task_colours(event["changes"])
        with self.db.session() as session:
            if not first_application(session, payload["event_id"], "on_colour_changed"):
                return
            repo.save_colours(session, colours, logic.naive_utc(event["occurred_at"]))

    # Queries -------------------------------------------------------------------

    @rpc(expected_exceptions=EXPECTED)
    def get_ranking(self, period=None, group="county"):
        """The live ranking of one group for a period ("2026-Q4"; default: this
        quarter), scored on the tasks' current colours:
        {"period", "group", "entries", "red_list", "black_list", "status": "live"}
        (entries as logic.rank_group answers them). InvalidInput for a malformed
        period or an unknown group."""
        period, group = logic.ranking_query(period, group, self._today())
        with self.db.session(readonly=True) as session:
            tallies = repo.group_tallies(session, group)
        return {"period": period, "group": group, **logic.rank_group(tallies),
                "status": "live"}

    def _today(self):
        # Quarters turn at midnight where the city is, not in UTC.
        zone = ZoneInfo(self.config.get("LUOSHI_TIMEZONE") or "Asia/Shanghai")
        return dt.datetime.now(zone).date()
