"""The launchers: run a service, migrate the databases and declare the queues,
inspect and replay parked messages. They load every service by name, so they sit
above the services; the shared plumbing in services.common knows none of them."""
