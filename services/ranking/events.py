"""The events the ranking service emits: none so far.

It only reads other services' events (see schemas.py) and answers queries.
"""
