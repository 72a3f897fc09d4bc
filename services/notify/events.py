"""The events the notify service emits: none.

It reads other services' events (see schemas.py), writes notifications and
answers queries about them.
"""
