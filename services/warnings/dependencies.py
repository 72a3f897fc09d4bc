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
    """

    def setup(self):
        self.targets = {}

    def get_dependency(self, worker_ctx):
        return self.targets
