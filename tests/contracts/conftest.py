"""Contracts tier: every event a producer emits, as its own schema dumps it, is
loaded by every consumer's schema of that event. Real: the schemas. Faked:
nothing runs; no broker, no database."""
