"""The notify service's handling of the forecast colour: a task forecast red
(the warnings service's forecast_turned_red) is told to its unit, routed,
settled and de-duplicated as a colour warning is. Mixed into the Service of
service.py."""
import logging

from services.common.consuming import applied_once, event_handler

from . import logic
from . import repository as repo
from .schemas import ForecastTurnedRedIn

log = logging.getLogger(__name__)


class ForecastHandlers:

    @event_handler("warnings", "forecast_turned_red")
    @applied_once(ForecastTurnedRedIn)
    def on_forecast_turned_red(self, session, event):
        """Tell each task's unit (by default its operator, by SMS and inbox) that
        at its pace the task will be red within the warning rules' days. Held
        for LUOSHI_NOTIFY_SETTLE_MINUTES as a red warning is; dropped unsent if
        the task turns red meanwhile (the red warning then says it)."""
        local = self.clock.now()
        names = repo.unit_names(session, {found["unit"] for found in event["forecasts"]})
        occurrences = logic.forecast_occurrences(event, names, local,
                                                 self.delivery.settings.settle_minutes)
        self._notify(session, occurrences, event["event_id"], logic.to_utc(local), local)

    def _settle_forecasts(self, session, red_tasks):
        """Drop the held forecast messages of tasks that just turned red."""
        held = repo.held_forecast_warnings(session, [f"forecast:{task}" for task in red_tasks])
        if not held:
            return
        drops, forget = logic.forecast_drops(held)
        repo.drop_notifications(session, drops)
        repo.forget_keys(session, forget)
        log.info("%d held forecast messages dropped: their tasks turned red first", len(drops))
