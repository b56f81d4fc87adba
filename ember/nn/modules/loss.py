"""Loss modules (torch.nn's loss classes): constructor arguments, buffers
('weight', 'pos_weight') and reprs as torch; forward calls
ember.nn.functional.loss. A bad input raises torch's exception type with
the module's name and path in the model and the shapes it got."""
from __future__ import annotations

from ember.nn.functional import loss as F
from ember.ops.nn_loss import legacy_reduction

from .module import Module

__all__ = [
    "L1Loss", "MSELoss", "CrossEntropyLoss", "NLLLoss", "BCELoss", "BCEWithLogitsLoss",
    "KLDivLoss", "SmoothL1Loss", "HuberLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
    "MultiMarginLoss", "MultiLabelMarginLoss", "MarginRankingLoss", "HingeEmbeddingLoss",
    "CosineEmbeddingLoss", "TripletMarginLoss", "TripletMarginWithDistanceLoss",
    "PoissonNLLLoss", "GaussianNLLLoss", "CTCLoss",
]

_ERRORS = (ValueError, RuntimeError, IndexError)


def _shape(t):
    return tuple(t.shape) if hasattr(t, "shape") else t


class _Loss(Module):
    """Base of the losses: holds ``reduction`` (mapping the deprecated
    size_average / reduce flags as torch does)."""

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__()
        if size_average is not None or reduce is not None:
            self.reduction = legacy_reduction(size_average, reduce, reduction)
        else:
            self.reduction = reduction

    def _call(self, fn, *args, **kwargs):
        """fn(*args, **kwargs), with errors re-raised naming this module and the shapes."""
        try:
            return fn(*args, **kwargs)
        except _ERRORS as e:
            names = ("input", "target") if len(args) == 2 else \
                tuple(f"argument {i}" for i in range(len(args)))
            got = ", ".join(f"{n} of shape {_shape(a)}" for n, a in zip(names, args))
            raise self._input_error(type(e), f"got {got}: {e}") from None


class _WeightedLoss(_Loss):
    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.weight: object


class L1Loss(_Loss):
    """Mean absolute error (torch.nn.L1Loss)."""
    __constants__ = ["reduction"]

    def forward(self, input, target):
        return self._call(F.l1_loss, input, target, reduction=self.reduction)


class MSELoss(_Loss):
    """Mean squared error (torch.nn.MSELoss)."""
    __constants__ = ["reduction"]

    def forward(self, input, target):
        return self._call(F.mse_loss, input, target, reduction=self.reduction)


class CrossEntropyLoss(_WeightedLoss):
    """log_softmax + nll over class indices or class probabilities (torch.nn.CrossEntropyLoss)."""
    __constants__ = ["ignore_index", "reduction", "label_smoothing"]

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input, target):
        return self._call(F.cross_entropy, input, target, weight=self.weight,
                          ignore_index=self.ignore_index, reduction=self.reduction,
                          label_smoothing=self.label_smoothing)


class NLLLoss(_WeightedLoss):
    """Negative log likelihood of class indices (torch.nn.NLLLoss)."""
    __constants__ = ["ignore_index", "reduction"]

    def __init__(self, weight=None, size_average=None, ignore_index: int = -100, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        self.ignore_index = ignore_index

    def forward(self, input, target):
        return self._call(F.nll_loss, input, target, weight=self.weight,
                          ignore_index=self.ignore_index, reduction=self.reduction)


class BCELoss(_WeightedLoss):
    """Binary cross entropy of probabilities (torch.nn.BCELoss)."""
    __constants__ = ["reduction"]

    def forward(self, input, target):
        return self._call(F.binary_cross_entropy, input, target, weight=self.weight,
                          reduction=self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Sigmoid + binary cross entropy, stable (torch.nn.BCEWithLogitsLoss)."""

    def __init__(self, weight=None, size_average=None, reduce=None, reduction: str = "mean",
                 pos_weight=None) -> None:
        super().__init__(size_average, reduce, reduction)
        self.register_buffer("weight", weight)
        self.register_buffer("pos_weight", pos_weight)

    def forward(self, input, target):
        return self._call(F.binary_cross_entropy_with_logits, input, target, self.weight,
                          pos_weight=self.pos_weight, reduction=self.reduction)


class KLDivLoss(_Loss):
    """Kullback-Leibler divergence of log-probabilities (torch.nn.KLDivLoss)."""
    __constants__ = ["reduction"]

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 log_target: bool = False) -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_target = log_target

    def forward(self, input, target):
        return self._call(F.kl_div, input, target, reduction=self.reduction,
                          log_target=self.log_target)


class SmoothL1Loss(_Loss):
    """Squared error below beta, absolute error above (torch.nn.SmoothL1Loss)."""
    __constants__ = ["reduction"]

    def __init__(self, size_average=None, reduce=None, reduction: str = "mean",
                 beta: float = 1.0) -> None:
        super().__init__(size_average, reduce, reduction)
        self.beta = beta

    def forward(self, input, target):
        return self._call(F.smooth_l1_loss, input, target, reduction=self.reduction, beta=self.beta)


class HuberLoss(_Loss):
    """Squared error below delta, delta-scaled absolute error above (torch.nn.HuberLoss)."""
    __constants__ = ["reduction", "delta"]

    def __init__(self, reduction: str = "mean", delta: float = 1.0) -> None:
        super().__init__(reduction=reduction)
        self.delta = delta

    def forward(self, input, target):
        return self._call(F.huber_loss, input, target, reduction=self.reduction, delta=self.delta)


class SoftMarginLoss(_Loss):
    """Two-class logistic loss (torch.nn.SoftMarginLoss)."""
    __constants__ = ["reduction"]

    def forward(self, input, target):
        return self._call(F.soft_margin_loss, input, target, reduction=self.reduction)


class MultiLabelSoftMarginLoss(_WeightedLoss):
    """Multi-label one-versus-all logistic loss (torch.nn.MultiLabelSoftMarginLoss)."""
    __constants__ = ["reduction"]

    def forward(self, input, target):
        return self._call(F.multilabel_soft_margin_loss, input, target, weight=self.weight,
                          reduction=self.reduction)


class MultiMarginLoss(_WeightedLoss):
    """Multi-class hinge loss (torch.nn.MultiMarginLoss)."""
    __constants__ = ["p", "margin", "reduction"]

    def __init__(self, p: int = 1, margin: float = 1.0, weight=None, size_average=None,
                 reduce=None, reduction: str = "mean") -> None:
        super().__init__(weight, size_average, reduce, reduction)
        if p not in (1, 2):
            raise ValueError("only p == 1 and p == 2 supported")
        if weight is not None and weight.dim() != 1:
            raise ValueError(f"MultiMarginLoss: expected weight to be None or 1D tensor, got "
                             f"{weight.dim()}D instead")
        self.p = p
        self.margin = margin

    def forward(self, input, target):
        return self._call(F.multi_margin_loss, input, target, p=self.p, margin=self.margin,
                          weight=self.weight, reduction=self.reduction)


class MultiLabelMarginLoss(_Loss):
    """Multi-class multi-label hinge loss (torch.nn.MultiLabelMarginLoss)."""
    __constants__ = ["reduction"]

    def forward(self, input, target):
        return self._call(F.multilabel_margin_loss, input, target, reduction=self.reduction)


class MarginRankingLoss(_Loss):
    """max(0, -y * (x1 - x2) + margin) (torch.nn.MarginRankingLoss)."""
    __constants__ = ["margin", "reduction"]

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return self._call(F.margin_ranking_loss, input1, input2, target, margin=self.margin,
                          reduction=self.reduction)


class HingeEmbeddingLoss(_Loss):
    """x for y = 1, max(0, margin - x) for y = -1 (torch.nn.HingeEmbeddingLoss)."""
    __constants__ = ["margin", "reduction"]

    def __init__(self, margin: float = 1.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input, target):
        return self._call(F.hinge_embedding_loss, input, target, margin=self.margin,
                          reduction=self.reduction)


class CosineEmbeddingLoss(_Loss):
    """Cosine-similarity embedding loss (torch.nn.CosineEmbeddingLoss)."""
    __constants__ = ["margin", "reduction"]

    def __init__(self, margin: float = 0.0, size_average=None, reduce=None,
                 reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.margin = margin

    def forward(self, input1, input2, target):
        return self._call(F.cosine_embedding_loss, input1, input2, target, margin=self.margin,
                          reduction=self.reduction)


class TripletMarginLoss(_Loss):
    """Triplet loss with the p-norm distance (torch.nn.TripletMarginLoss)."""
    __constants__ = ["margin", "p", "eps", "swap", "reduction"]

    def __init__(self, margin: float = 1.0, p: float = 2.0, eps: float = 1e-6, swap: bool = False,
                 size_average=None, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginLoss: expected margin to be greater than 0, got "
                             f"{margin} instead")
        self.margin = margin
        self.p = p
        self.eps = eps
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return self._call(F.triplet_margin_loss, anchor, positive, negative, margin=self.margin,
                          p=self.p, eps=self.eps, swap=self.swap, reduction=self.reduction)


class TripletMarginWithDistanceLoss(_Loss):
    """Triplet loss with any distance function; the default is a
    PairwiseDistance() child module (torch.nn.TripletMarginWithDistanceLoss)."""
    __constants__ = ["margin", "swap", "reduction"]

    def __init__(self, *, distance_function=None, margin: float = 1.0, swap: bool = False,
                 reduction: str = "mean") -> None:
        super().__init__(size_average=None, reduce=None, reduction=reduction)
        if margin <= 0:
            raise ValueError(f"TripletMarginWithDistanceLoss: expected margin to be greater "
                             f"than 0, got {margin} instead")
        if distance_function is None:
            from .distance import PairwiseDistance
            distance_function = PairwiseDistance()
        self.distance_function = distance_function
        self.margin = margin
        self.swap = swap

    def forward(self, anchor, positive, negative):
        return self._call(F.triplet_margin_with_distance_loss, anchor, positive, negative,
                          distance_function=self.distance_function, margin=self.margin,
                          swap=self.swap, reduction=self.reduction)


class PoissonNLLLoss(_Loss):
    """Poisson negative log likelihood (torch.nn.PoissonNLLLoss)."""
    __constants__ = ["log_input", "full", "eps", "reduction"]

    def __init__(self, log_input: bool = True, full: bool = False, size_average=None,
                 eps: float = 1e-8, reduce=None, reduction: str = "mean") -> None:
        super().__init__(size_average, reduce, reduction)
        self.log_input = log_input
        self.full = full
        self.eps = eps

    def forward(self, log_input, target):
        return self._call(F.poisson_nll_loss, log_input, target, log_input=self.log_input,
                          full=self.full, eps=self.eps, reduction=self.reduction)


class GaussianNLLLoss(_Loss):
    """Gaussian negative log likelihood with predicted variance (torch.nn.GaussianNLLLoss)."""
    __constants__ = ["full", "eps", "reduction"]

    def __init__(self, *, full: bool = False, eps: float = 1e-6, reduction: str = "mean") -> None:
        super().__init__(None, None, reduction)
        self.full = full
        self.eps = eps

    def forward(self, input, target, var):
        return self._call(F.gaussian_nll_loss, input, target, var, full=self.full, eps=self.eps,
                          reduction=self.reduction)


class CTCLoss(_Loss):
    """Connectionist Temporal Classification loss (torch.nn.CTCLoss)."""
    __constants__ = ["blank", "reduction"]

    def __init__(self, blank: int = 0, reduction: str = "mean", zero_infinity: bool = False) -> None:
        super().__init__(reduction=reduction)
        self.blank = blank
        self.zero_infinity = zero_infinity

    def forward(self, log_probs, targets, input_lengths, target_lengths):
        return self._call(F.ctc_loss, log_probs, targets, input_lengths, target_lengths,
                          self.blank, self.reduction, self.zero_infinity)
