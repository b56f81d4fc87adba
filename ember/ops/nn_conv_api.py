"""Public convolution functions (torch.conv1d ... torch.conv_transpose3d,
torch.bilinear): torch's signatures, argument parsing and error messages,
on top of the primitives in ``nn_conv``. ``ember.nn.functional`` re-exports
these same function objects."""
from __future__ import annotations

from .. import _dtype as D
from ._api import check_tensor, export
from .nn_conv import conv_op, conv_transpose_op
from .registry import _torch_type_name

_C_NAMES = {"float32": "float", "float64": "double", "float16": "c10::Half",
            "bfloat16": "c10::BFloat16", "int64": "long int", "int32": "int", "int16": "short int",
            "int8": "signed char", "uint8": "unsigned char", "bool": "bool",
            "complex64": "c10::complex<float>", "complex128": "c10::complex<double>"}

_DIM_NAMES = {1: ("height", "width"), 2: ("height", "width"), 3: ("depth", "height", "width")}


def expand_arg(value, nd: int, name: str) -> tuple:
    """An int or a list of 1 or ``nd`` ints as an nd-tuple (torch's conv rule)."""
    if isinstance(value, bool) or not isinstance(value, (int, tuple, list)):
        if hasattr(value, "__index__") and not isinstance(value, bool):
            value = int(value)
        else:
            raise TypeError(f"argument '{name}' must be tuple of ints, not {type(value).__name__}")
    if isinstance(value, int):
        return (value,) * nd
    vals = list(value)
    for v in vals:
        if isinstance(v, bool) or not isinstance(v, int):
            raise TypeError(f"argument '{name}' must be tuple of ints, but found element of type "
                            f"{type(v).__name__}")
    if len(vals) == 1:
        return (vals[0],) * nd
    if len(vals) != nd:
        raise RuntimeError(f"expected {name} to be a single integer value or a list of {nd} values "
                           f"to match the convolution dimensions, but got {name}={vals}")
    return tuple(vals)


def _shape(t) -> str:
    return str(list(t.shape))


def _check_dtypes(x, w, b, nd):
    if x._dtype is not w._dtype:
        if x._dtype is D.float32:
            raise RuntimeError(
                f"Input type (torch.{_torch_type_name(x._dtype)}Tensor) and weight type "
                f"(torch.{_torch_type_name(w._dtype)}Tensor) should be the same or input should be "
                f"a MKLDNN tensor and weight is a dense tensor")
        raise RuntimeError(f"expected scalar type {_torch_type_name(x._dtype)} but found "
                           f"{_torch_type_name(w._dtype)}")
    if b is not None and b._dtype is not x._dtype:
        raise RuntimeError(f"Input type ({_C_NAMES.get(x._dtype.name, x._dtype.name)}) and bias "
                           f"type ({_C_NAMES.get(b._dtype.name, b._dtype.name)}) should be the same")
    if x._dtype is D.bool_:
        kernel = "compute_columns3d" if nd == 3 else "slow_conv2d_cpu"
        raise NotImplementedError(f'"{kernel}" not implemented for \'Bool\'')


def _check_common(fname, nd, x, w, b, stride, dilation, groups):
    check_tensor(x, fname)
    check_tensor(w, fname, "weight", 2)
    if b is not None:
        check_tensor(b, fname, "bias", 3)
    if w.ndim != nd + 2:
        s = list(expand_arg(stride, nd, "stride"))
        raise RuntimeError(f"expected stride to be a single integer value or a list of {w.ndim - 2} "
                           f"values to match the convolution dimensions, but got stride={s}")
    if x.ndim not in (nd + 1, nd + 2):
        raise RuntimeError(f"Expected {nd + 1}D (unbatched) or {nd + 2}D (batched) input to "
                           f"{fname}, but got input of size: {_shape(x)}")
    stride = expand_arg(stride, nd, "stride")
    dilation = expand_arg(dilation, nd, "dilation")
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if isinstance(groups, bool) or not isinstance(groups, int):
        raise TypeError(f"{fname}(): argument 'groups' must be int, not {type(groups).__name__}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w.shape[0] % groups:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by {groups} at "
                           f"dimension 0, but got weight of size [{_shape(w)}] instead")
    _check_dtypes(x, w, b, nd)
    return stride, dilation


def _batched(x, nd):
    return (x.unsqueeze(0), True) if x.ndim == nd + 1 else (x, False)


def _conv(fname, nd, input, weight, bias, stride, padding, dilation, groups):
    stride, dilation = _check_common(fname, nd, input, weight, bias, stride, dilation, groups)
    ksize = tuple(weight.shape[2:])
    if isinstance(padding, str):
        if padding == "valid":
            pad = ((0, 0),) * nd
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            total = [d * (k - 1) for d, k in zip(dilation, ksize)]
            pad = tuple((t // 2, t - t // 2) for t in total)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        p = expand_arg(padding, nd, "padding")
        if any(v < 0 for v in p):
            raise RuntimeError("negative padding is not supported")
        pad = tuple((v, v) for v in p)
    x, unbatched = _batched(input, nd)
    if x.shape[1] != weight.shape[1] * groups:
        raise RuntimeError(
            f"Given groups={groups}, weight of size {_shape(weight)}, expected input{_shape(x)} to "
            f"have {weight.shape[1] * groups} channels, but got {x.shape[1]} channels instead")
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != weight.shape[0]):
        raise RuntimeError(
            f"Given weight of size {_shape(weight)}, expected bias to be 1-dimensional with "
            f"{weight.shape[0]} elements, but got bias of size {_shape(bias)} instead")
    padded = [n + lo + hi for n, (lo, hi) in zip(x.shape[2:], pad)]
    dk = [d * (k - 1) + 1 for d, k in zip(dilation, ksize)]
    if any(p < k for p, k in zip(padded, dk)):
        raise RuntimeError(
            f"Calculated padded input size per channel: ({' x '.join(map(str, padded))}). "
            f"Kernel size: ({' x '.join(map(str, dk))}). "
            f"Kernel size can't be greater than actual input size")
    y = conv_op(x, weight, bias, stride, pad, dilation, groups)
    return y.squeeze(0) if unbatched else y


def _conv_transpose(fname, nd, input, weight, bias, stride, padding, output_padding, groups,
                    dilation):
    if isinstance(padding, str):
        raise TypeError(f"{fname}(): argument 'padding' must be tuple of ints, not str")
    stride, dilation = _check_common(fname, nd, input, weight, bias, stride, dilation, groups)
    pad = expand_arg(padding, nd, "padding")
    opad = expand_arg(output_padding, nd, "output_padding")
    if any(v < 0 for v in pad):
        raise RuntimeError("negative padding is not supported")
    if any(v < 0 for v in opad):
        raise RuntimeError("negative output_padding is not supported")
    if any(o >= s and o >= d for o, s, d in zip(opad, stride, dilation)):
        names = _DIM_NAMES[nd]
        vals = ((0,) if nd == 1 else ()) + opad, ((1,) if nd == 1 else ()) + stride, \
            ((1,) if nd == 1 else ()) + dilation
        parts = [f"{what}_{n}: {v}" for what, vs in zip(("output_padding", "stride", "dilation"), vals)
                 for n, v in zip(names, vs)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, but got "
                           + " ".join(parts))
    x, unbatched = _batched(input, nd)
    if x.shape[1] != weight.shape[0]:
        raise RuntimeError(
            f"Given transposed=1, weight of size {_shape(weight)}, expected input{_shape(x)} to "
            f"have {weight.shape[0]} channels, but got {x.shape[1]} channels instead")
    cout = weight.shape[1] * groups
    if bias is not None and (bias.ndim != 1 or bias.shape[0] != cout):
        raise RuntimeError(
            f"Given transposed=1, weight of size {_shape(weight)}, expected bias to be "
            f"1-dimensional with {cout} elements, but got bias of size {_shape(bias)} instead")
    ksize = tuple(weight.shape[2:])
    size = tuple((n - 1) * s - 2 * p + d * (k - 1) + o + 1 for n, s, p, d, k, o in
                 zip(x.shape[2:], stride, pad, dilation, ksize, opad))
    if any(v <= 0 for v in size):
        raise RuntimeError(
            f"Given input size per channel: ({' x '.join(map(str, x.shape[2:]))}). Calculated "
            f"output size per channel: ({' x '.join(map(str, size))}). Output size is too small")
    y = conv_transpose_op(x, weight, bias, size, stride, tuple((p, p) for p in pad), dilation,
                          groups)
    return y.squeeze(0) if unbatched else y


@export("conv1d", method=False)
def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """1-D convolution (cross-correlation) over (N, C, L) or (C, L) input (torch.conv1d)."""
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


@export("conv2d", method=False)
def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """2-D convolution over (N, C, H, W) or (C, H, W) input; padding may be an int,
    a tuple, 'valid' or 'same' (torch.conv2d)."""
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


@export("conv3d", method=False)
def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    """3-D convolution over (N, C, D, H, W) or (C, D, H, W) input (torch.conv3d)."""
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


@export("conv_transpose1d", method=False)
def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """1-D transposed convolution; weight is (C_in, C_out/groups, k) (torch.conv_transpose1d)."""
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


@export("conv_transpose2d", method=False)
def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """2-D transposed convolution ("deconvolution") (torch.conv_transpose2d)."""
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


@export("conv_transpose3d", method=False)
def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0, groups=1,
                     dilation=1):
    """3-D transposed convolution (torch.conv_transpose3d)."""
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


# ---------------------------------------------------------------- bilinear
@export("bilinear", method=False)
def bilinear(input1, input2, weight, bias=None):
    """y = x1^T A x2 + b over the last dimension, with weight (out, in1, in2) (torch.bilinear)."""
    from .linalg import einsum
    check_tensor(input1, "bilinear", "input1", 1)
    check_tensor(input2, "bilinear", "input2", 2)
    check_tensor(weight, "bilinear", "weight", 3)
    for t in (input1, input2):
        if t.ndim == 0:
            raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    if input1.ndim != input2.ndim:
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.ndim} and "
                           f"{input2.ndim}")
    for i in range(input1.ndim - 1):
        if input1.shape[i] != input2.shape[i]:
            raise RuntimeError(f"bilinear(): input batch dimensions do not match at dim {i}: got "
                               f"{input1.shape[i]} and {input2.shape[i]}")
    dts = [input1._dtype, input2._dtype, weight._dtype] + ([bias._dtype] if bias is not None else [])
    if any(d is not dts[0] for d in dts):
        names = ["input1", "input2", "weight", "bias"]
        raise RuntimeError("All tensors must have the same dtype, got " + ", ".join(
            f"{n}: {_C_NAMES.get(d.name, d.name)}" for n, d in zip(names, dts)))
    if weight.ndim > 1 and input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {weight.shape[1]}")
    if weight.ndim > 2 and input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {weight.shape[2]}")
    if weight.ndim != 3:
        raise RuntimeError(f"bilinear(): weight must be 3-dimensional, but got weight of size "
                           f"{_shape(weight)}")
    if bias is not None and (bias.ndim == 0 or bias.shape[0] != weight.shape[0]):
        got = bias.shape[0] if bias.ndim else 1
        raise RuntimeError(f"bilinear(): bias size does not match weight size: got {got} but "
                           f"expected {weight.shape[0]}")
    y = einsum("...i,oij,...j->...o", input1, weight, input2)
    return y if bias is None else y + bias
