"""Report which names of PyTorch's public API (shared/api/torch_api.json) ember has.

A name counts as covered only when it exists in ember (``ember.<name>`` or
``ember.Tensor.<name>``) AND appears in an oracle test: a test file under
tests/ that imports torch and mentions the name as an identifier or a string.
Names that belong to later issues (nn, optim, data, save/load, compile, cuda,
sparse...) are listed as out of scope for the core, not as covered.

    python tools/api_coverage.py [--tiers 1,2] [--missing] [--api PATH]
"""
from __future__ import annotations

import argparse
import json
import re
import sys
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
# torch namespace -> the ember object that must have the name
NAMESPACES = {
    "torch": "ember", "torch.Tensor": "ember.Tensor", "torch.linalg": "ember.linalg",
    "torch.nn": "ember.nn", "torch.nn.Module": "ember.nn.Module",
    "torch.nn.functional": "ember.nn.functional", "torch.nn.init": "ember.nn.init",
    "torch.nn.utils": "ember.nn.utils", "torch.nn.utils.rnn": "ember.nn.utils.rnn",
    "torch.nn.utils.parametrize": "ember.nn.utils.parametrize",
}

# not tensor operations, or owned by another issue (see the issue list)
OUT_OF_SCOPE = {
    "nn", "optim", "utils", "cuda", "jit", "distributed", "backends", "hub", "accelerator",
    "onnx", "amp", "multiprocessing", "profiler", "futures", "compiler", "distributions",
    "testing", "version", "library", "xpu", "mps", "fx", "classes", "serialization",
    "fft", "autograd", "linalg", "random", "special",  # modules: their names are counted
    "save", "load", "compile", "autocast", "is_autocast_enabled", "get_autocast_cpu_dtype",
    "get_autocast_dtype", "get_autocast_gpu_dtype", "is_autocast_cpu_enabled",
    "set_float32_matmul_precision", "use_deterministic_algorithms", "get_device_module",
    "set_default_tensor_type", "sparse_coo_tensor", "spmm", "stft", "to_sparse", "coalesce",
    "sparse_mask", "is_sparse", "dequantize", "TypedStorage", "UntypedStorage",
    "ByteStorage", "is_storage", "float8_e4m3fn", "cuda", "jagged",
}


def load_api(path: Path):
    return json.loads(path.read_text())


def test_corpus() -> str:
    texts = []
    for f in (ROOT / "tests").rglob("test_*.py"):
        text = f.read_text()
        if "torch" in text:
            texts.append(text)
    return "\n".join(texts)


def exists(entry) -> bool:
    import importlib
    target = NAMESPACES[entry["ns"]]
    module_name, _, attr = target.partition(".Tensor") if target.endswith(".Tensor") \
        else target.partition(".Module") if target.endswith(".Module") else (target, "", "")
    try:
        obj = importlib.import_module(module_name)
    except ImportError:
        return False
    if target.endswith(".Tensor"):
        obj = obj.Tensor
    elif target.endswith(".Module"):
        obj = obj.Module
    return hasattr(obj, entry["name"])


_DUNDER_SYMBOLS = {
    "__add__": "+", "__radd__": "+", "__iadd__": "+=", "__sub__": "-", "__rsub__": "-",
    "__isub__": "-=", "__mul__": "*", "__rmul__": "*", "__imul__": "*=", "__truediv__": "/",
    "__rtruediv__": "/", "__itruediv__": "/=", "__floordiv__": "//", "__rfloordiv__": "//",
    "__ifloordiv__": "//=", "__mod__": "%", "__pow__": "**", "__rpow__": "**", "__matmul__": "@",
    "__eq__": "==", "__ne__": "!=", "__lt__": "<", "__le__": "<=", "__gt__": ">", "__ge__": ">=",
    "__and__": "&", "__or__": "|", "__xor__": "^", "__invert__": "~", "__neg__": "-",
    "__lshift__": "<<", "__rlshift__": "<<", "__iand__": "&=", "__ior__": "|=",
    "__ixor__": "^=", "__getitem__": "[", "__setitem__": "] =",
    # protocol methods are exercised through the builtins that call them
    "__bool__": "bool(", "__float__": "float(", "__int__": "int(", "__len__": "len(",
    "__iter__": "list(", "__hash__": "hash(", "__format__": ':.2f}"', "__array__": "np.asarray(",
    "__deepcopy__": "deepcopy(", "__repr__": "repr(", "__index__": "][ember.tensor(",
}


def tested(entry, corpus: str) -> bool:
    name = entry["name"]
    if re.search(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])", corpus):
        return True
    symbol = _DUNDER_SYMBOLS.get(name)
    return symbol is not None and symbol in corpus


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--api", default=str(ROOT.parent / "shared" / "api" / "torch_api.json"))
    parser.add_argument("--tiers", default="1,2")
    parser.add_argument("--missing", action="store_true", help="list the names not covered")
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    tiers = {int(t) for t in args.tiers.split(",")}
    corpus = test_corpus()
    rows = defaultdict(lambda: [0, 0, []])
    for entry in load_api(Path(args.api)):
        if entry["ns"] not in NAMESPACES or entry["tier"] not in tiers:
            continue
        if entry["kind"] == "module" or entry["name"] in OUT_OF_SCOPE:
            continue
        key = (entry["ns"], entry["tier"])
        rows[key][1] += 1
        if exists(entry) and tested(entry, corpus):
            rows[key][0] += 1
        else:
            rows[key][2].append(entry["name"])
    print(f"{'namespace':<28} {'tier':>4} {'covered':>8} {'total':>6} {'share':>6}")
    for (ns, tier), (done, total, missing) in sorted(rows.items()):
        print(f"{ns:<28} {tier:>4} {done:>8} {total:>6} {done / total:>6.0%}")
        if args.missing and missing:
            print("   missing:", " ".join(sorted(missing)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
