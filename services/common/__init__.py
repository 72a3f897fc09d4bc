"""Plumbing every Luoshi service shares: configuration, database sessions, the
transactional outbox, reliable event handlers and what migrations run. The
launchers that start services are in services.launch, above them.

Nothing here knows the domain; each service owns its tables, events and logic.
"""
import warnings

# Eventlet announces its deprecation on import; nameko 2 depends on it and the
# notice would open every log and test run.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated", category=Warning)
