"""The operator families. ``load_all`` imports them, registering every op;
ember/__init__ calls it once Tensor exists."""


def load_all() -> None:
    from . import elementwise, conversion  # noqa: F401
    from . import reduction, shape, indexing, linalg, creation, random, special  # noqa: F401
