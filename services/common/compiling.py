"""What the compiled load (loading.py) and dump (dumping.py) share: a fast path
compiled from a marshmallow schema, with marshmallow itself for whatever the fast
path does not decide, so every answer stays marshmallow's."""


class Undecided(Exception):
    """The fast path does not decide this value: marshmallow will."""


class Unsupported(Exception):
    """The schema uses what the fast path does not compile."""


def with_fallback(compile_fast, by_marshmallow):
    """A function equal to `by_marshmallow`: the fast path `compile_fast()` builds
    answers what it decides, marshmallow the rest. Its `fast` is that path, or
    None where the schema raised Unsupported and marshmallow answers everything."""
    try:
        fast = compile_fast()
    except Unsupported:
        fast = None

    def run(value):
        if fast is not None:
            try:
                return fast(value)
            except Undecided:
                pass
        return by_marshmallow(value)

    run.fast = fast
    return run
