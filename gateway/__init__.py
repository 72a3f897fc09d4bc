"""The Luoshi gateway: the public HTTP API in front of the nameko services.

It validates HTTP shapes, authenticates and authorises callers, calls the
services over RPC and maps their errors to HTTP. Business rules live in the
services; the gateway's own database holds only users, tokens, API keys,
sign-in failures, idempotency records and the audit log.
"""
