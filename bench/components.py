"""Finding the component benchmarks: every module of the `bench` package that
defines a top-level `run(args) -> dict` (see README.md in this folder)."""
import importlib
import pkgutil
import traceback

import bench

# The framework's own modules define no `run`; skipping them saves imports.
FRAMEWORK = {"__main__", "cli", "city", "platform", "peers", "load", "phases", "ceilings",
             "report", "options", "components", "trivial"}


def discover():
    """{module name: module} of the component benchmarks, by name."""
    found = {}
    for info in sorted(pkgutil.iter_modules(bench.__path__), key=lambda i: i.name):
        if info.name in FRAMEWORK or info.name.startswith("_") or info.ispkg:
            continue
        module = importlib.import_module(f"bench.{info.name}")
        if callable(getattr(module, "run", None)):
            found[info.name] = module
    return found


def run_all(args, only=None):
    """{module name: result} of every component (or those in `only`); a failing
    component answers {"error"} and does not stop the others."""
    results = {}
    for name, module in discover().items():
        if only and name not in only:
            continue
        print(f"component {name} ...", flush=True)
        try:
            results[name] = module.run(args)
        except Exception as exc:  # one component's failure is reported, not fatal
            traceback.print_exc()
            results[name] = {"name": name, "error": f"{type(exc).__name__}: {exc}"}
    return results
