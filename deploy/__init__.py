"""Running Luoshi on one machine: the local runner and the demo city."""
