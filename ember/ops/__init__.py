"""The operator families. ``load_all`` imports them, registering every op;
ember/__init__ calls it once Tensor exists."""


def load_all() -> None:
    from . import elementwise, conversion  # noqa: F401
    from . import reduction, cumulative, sorting, shape, indexing, scatter, linalg, creation, random, special  # noqa: F401,E501
    from . import strided, joining, rearrange  # noqa: F401
    from . import windows, linalg_decomp, linalg_funcs  # noqa: F401
    from . import nn_norm, nn_distance  # noqa: F401
    from . import nn_pool, nn_vision  # noqa: F401
    from . import nn_attention  # noqa: F401
    from . import nn_activation  # noqa: F401
    from . import nn_rnn  # noqa: F401
    from . import nn_conv, nn_conv_api  # noqa: F401
    from . import nn_loss  # noqa: F401
    from . import statistics, combinatorics  # noqa: F401
