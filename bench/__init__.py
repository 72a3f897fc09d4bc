"""`make bench`: the platform measured at the scale of a real city (see bench/README.md;
the figures: bench/RESULTS.md).

Framework modules: city (the generated city), platform (its processes), peers
(local SMS and SMTP servers), load (HTTP load and polling), phases, ceilings,
report, cli. Every other module of this package that defines `run(args) -> dict`
is a component benchmark that `python -m bench` runs too (see README.md here).
"""
import warnings

# nameko imports eventlet, which announces its deprecation on import.
warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
