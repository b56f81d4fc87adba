"""Malicious pickles: loading a checkpoint never runs code from the file.

Each payload is written by hand with pickle opcodes so that a plain ``pickle.load`` would call a
dangerous global (os.system, builtins.exec/eval, subprocess.Popen, builtins.open, ...) which would
create a marker file. The payloads are wrapped in torch's zip layout (``archive/data.pkl``) and in
the legacy (non-zip) layout, and ``ember.serialization.load`` must refuse them with
``pickle.UnpicklingError`` naming the refused global, leaving no marker behind. torch.load with
weights_only=True (the specification) refuses the same files.

``weights_only=False`` is the only way to let a file import arbitrary globals: test_weights_only_false
shows it is the dangerous path by loading, inside a temporary folder, a payload whose only effect is
creating an empty marker file there (harmless by construction: builtins.open on a tmp_path file).
"""
from __future__ import annotations

import io
import pickle
import struct
import sys
import zipfile

import pytest
import torch

import ember
from ember.serialization import load, save
from ember.serialization import safetensors as st


def _str(s: str) -> bytes:
    b = s.encode()
    return b"X" + struct.pack("<I", len(b)) + b  # BINUNICODE


def reduce_global(module: str, name: str, args: list, *, stack_global: bool = False) -> bytes:
    """Opcodes calling module.name(*args): GLOBAL (or STACK_GLOBAL) + args tuple + REDUCE."""
    if stack_global:
        head = _str(module) + _str(name) + b"\x93"  # STACK_GLOBAL
    else:
        head = b"c" + module.encode() + b"\n" + name.encode() + b"\n"  # GLOBAL
    body = b"("  # MARK
    for a in args:
        body += _str(a) if isinstance(a, str) else b"\x88" if a is True else b"N"
    return head + body + b"tR"  # TUPLE, REDUCE


def inst_global(module: str, name: str, args: list) -> bytes:
    """The INST opcode: MARK args INST module name (imports and calls in one opcode)."""
    return b"(" + b"".join(_str(a) for a in args) + b"i" + module.encode() + b"\n" + name.encode() + b"\n"


def wrap_in_dict(call: bytes) -> bytes:
    """A protocol-2 pickle of {'weight': <a harmless int>, 'evil': <call>} (a checkpoint-looking dict)."""
    return b"\x80\x02}(" + _str("weight") + b"K\x01" + _str("evil") + call + b"u."


def payloads(marker: str):
    py = f"open({marker!r}, 'w').close()"
    sh = f"touch {marker}"
    return {
        "os.system": ("os", "system", wrap_in_dict(reduce_global("os", "system", [sh]))),
        "posix.system": ("posix", "system", wrap_in_dict(reduce_global("posix", "system", [sh]))),
        "builtins.exec": ("builtins", "exec", wrap_in_dict(reduce_global("builtins", "exec", [py]))),
        "builtins.eval/stack_global": (
            "builtins", "eval",
            b"\x80\x04" + reduce_global("builtins", "eval", [py], stack_global=True) + b"."),
        "__builtin__.eval/py2name": ("builtins", "eval",
                                     wrap_in_dict(reduce_global("__builtin__", "eval", [py]))),
        "subprocess.getoutput": ("subprocess", "getoutput",
                                 wrap_in_dict(reduce_global("subprocess", "getoutput", [sh]))),
        "builtins.open": ("builtins", "open", wrap_in_dict(reduce_global("builtins", "open", [marker, "w"]))),
        "inst os.system": ("os", "system", b"\x80\x02" + inst_global("os", "system", [sh]) + b"."),
        "torch-named global": ("torch.serialization", "os",
                               wrap_in_dict(b"ctorch.serialization\nos\n" + _str("system") + b"\x85R")),
    }


def torch_zip(data_pkl: bytes) -> bytes:
    """A torch-style checkpoint archive holding data_pkl."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", data_pkl)
        z.writestr("archive/byteorder", b"little")
        z.writestr("archive/version", b"3\n")
    return out.getvalue()


def legacy_main(data_pkl: bytes) -> bytes:
    """Legacy layout with valid magic/protocol/sys_info pickles, the payload as the main pickle."""
    head = pickle.dumps(0x1950A86A20F9469CFC6C, protocol=2) + pickle.dumps(1001, protocol=2)
    head += pickle.dumps({"protocol_version": 1001, "little_endian": True,
                          "type_sizes": {"short": 2, "int": 4, "long": 4}}, protocol=2)
    return head + data_pkl + pickle.dumps([], protocol=2)


LAYOUTS = {
    "zip": torch_zip,
    "legacy_first_pickle": lambda p: p,  # the very first pickle of a non-zip file
    "legacy_main_pickle": legacy_main,
}
NAMES = list(payloads("m"))


def _write(tmp_path, blob: bytes):
    p = tmp_path / "evil.pt"
    p.write_bytes(blob)
    return p


@pytest.mark.filterwarnings("ignore:Detected pickle protocol 4")
@pytest.mark.parametrize("layout", list(LAYOUTS))
@pytest.mark.parametrize("name", NAMES)
def test_malicious_pickle_is_refused(name, layout, tmp_path):
    marker = tmp_path / "PWNED"
    module, attr, pkl = payloads(str(marker))[name]
    path = _write(tmp_path, LAYOUTS[layout](pkl))
    calls = [lambda: load(path), lambda: load(str(path), map_location="cpu"),
             lambda: load(io.BytesIO(path.read_bytes()), weights_only=True)]
    if layout == "zip":
        calls.append(lambda: load(path, mmap=True))
    for call in calls:
        with pytest.raises(pickle.UnpicklingError) as info:
            call()
        msg = str(info.value)
        assert attr in msg and (module in msg or name.split("/")[0].split(".")[0] in msg), msg
        assert not marker.exists()
    # the specification agrees: torch refuses the same file with weights_only=True
    with pytest.raises(pickle.UnpicklingError):
        torch.load(path, weights_only=True)
    assert not marker.exists()


def test_payloads_are_really_dangerous_for_plain_pickle(tmp_path):
    """Guard against toothless payloads: a plain unpickler WOULD create the marker (builtins.open)."""
    marker = tmp_path / "PWNED"
    _, _, pkl = payloads(str(marker))["builtins.open"]
    obj = pickle.loads(pkl)
    obj["evil"].close()
    assert marker.exists()


def test_refusal_happens_before_any_later_opcode(tmp_path):
    """A refused global aborts the load: nothing after it (even allowed calls) is evaluated."""
    marker = tmp_path / "PWNED"
    pkl = b"\x80\x02(" + reduce_global("os", "system", [f"touch {marker}"]) + \
        reduce_global("builtins", "open", [str(marker), "w"]) + b"l."
    with pytest.raises(pickle.UnpicklingError, match="os.system"):
        load(io.BytesIO(torch_zip(pkl)))
    assert not marker.exists()


HARMLESS = wrap_in_dict(reduce_global("fractions", "Fraction", ["1/3"]))


def test_weights_only_false_is_required_for_other_globals():
    blob = torch_zip(HARMLESS)
    with pytest.raises(pickle.UnpicklingError, match="fractions.Fraction"):
        load(io.BytesIO(blob))
    with pytest.raises(pickle.UnpicklingError, match="fractions.Fraction"):
        load(io.BytesIO(blob), weights_only=True)
    from fractions import Fraction
    got = load(io.BytesIO(blob), weights_only=False)
    assert got == {"weight": 1, "evil": Fraction(1, 3)}
    assert torch.load(io.BytesIO(blob), weights_only=False) == got  # the specification agrees


def test_weights_only_false_is_the_dangerous_path(tmp_path):
    """Documented demonstration: with weights_only=False the file's code runs. The payload only
    creates an empty file inside pytest's temporary folder."""
    marker = tmp_path / "created_by_the_file"
    _, _, pkl = payloads(str(marker))["builtins.open"]
    got = load(io.BytesIO(torch_zip(pkl)), weights_only=False)
    got["evil"].close()
    assert marker.exists()


def test_checkpoint_with_tensors_and_evil_entry_is_refused_whole(tmp_path):
    """A real ember checkpoint with one malicious entry spliced in: no partial dict comes back."""
    marker = tmp_path / "PWNED"
    buf = io.BytesIO()
    save({"w": ember.ones(3)}, buf)
    with zipfile.ZipFile(io.BytesIO(buf.getvalue())) as z:
        records = {i.filename: z.read(i.filename) for i in z.infolist()}
    pkl_name = next(n for n in records if n.endswith("data.pkl"))
    pkl = records[pkl_name]
    assert pkl.endswith(b"u.") or pkl.endswith(b"s.")
    # insert another key/value pair before the final SETITEMS/SETITEM + STOP
    evil = _str("evil") + reduce_global("os", "system", [f"touch {marker}"])
    records[pkl_name] = pkl[:-2] + b"(" + evil + b"u" + pkl[-2:] if pkl.endswith(b"u.") else \
        pkl[:-1] + b"(" + evil + b"u."
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
        for n, data in records.items():
            z.writestr(n, data)
    with pytest.raises(pickle.UnpicklingError, match="os.system"):
        load(io.BytesIO(out.getvalue()))
    assert not marker.exists()


@pytest.mark.parametrize("name", NAMES)
def test_safetensors_reader_never_unpickles(name, tmp_path):
    """The other loader: a .safetensors path holding a pickle is a format error, never unpickled."""
    marker = tmp_path / "PWNED"
    _, _, pkl = payloads(str(marker))[name]
    for blob in (pkl, torch_zip(pkl)):
        path = _write(tmp_path, blob)
        with pytest.raises(st.SafetensorError):
            st.load_file(path)
        with pytest.raises(st.SafetensorError):
            st.load(blob)
    assert not marker.exists()


def test_no_loader_imports_a_module_named_by_the_file():
    """A refused global must not even be imported (importing can run module code)."""
    mod = "ember_never_imported_mod"
    pkl = wrap_in_dict(reduce_global(mod, "anything", []))
    with pytest.raises(pickle.UnpicklingError, match=mod):
        load(io.BytesIO(torch_zip(pkl)))
    assert mod not in sys.modules
    assert not any(m.startswith(mod) for m in sys.modules)
