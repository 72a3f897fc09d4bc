"""The warnings service's dependencies beyond its database and clock."""
from nameko.extensions import DependencyProvider


class KnownTargets(DependencyProvider):
    """{task code: (targets_version, its `logic.Target`s)}, kept for the life of
    the container.

    A task's targets seldom change: a re-plan, a new lead unit or a merger bumps
    its `targets_version` (an approved extension is kept apart, in
    watched_extensions). What was read once therefore holds until the version
    moves, in every replica, and an evaluation reads from the database only the
    targets of tasks this container meets for the first time or whose version
    moved: a batch of a thousand reports no longer reads some seven thousand
    target rows.

    Only unfinished tasks are kept: a task closed, explained or cancelled leaves
    it (repository.load_tasks, and the handlers of those events), so a replica
    that runs for years holds the tasks in hand, not every task it ever met. The
    event reaches one replica; the others let the task go when they read it
    again, or at their daily sweep (Service.forget_finished_targets).
    """

    def setup(self):
        self.targets = TargetsInHand()

    def get_dependency(self, worker_ctx):
        return self.targets


class TargetsInHand(dict):
    """The dictionary KnownTargets gives each worker, with the local day its
    replica last let go of the finished tasks' targets (None: not yet)."""

    swept_on = None
