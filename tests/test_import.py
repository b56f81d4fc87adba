"""`import ember` stays light: heavy subpackages and optional dependencies load
on first use, and every lazily loaded name still works as in torch."""
import subprocess
import sys
import textwrap

import pytest


def _run(code: str) -> str:
    result = subprocess.run([sys.executable, "-c", textwrap.dedent(code)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_import_loads_only_the_core():
    out = _run("""
        import sys, ember
        heavy = ["ember.nn", "ember.optim", "ember.utils", "ember.serialization",
                 "ember.testing", "multiprocessing", "numpy.random", "ml_dtypes"]
        print(",".join(m for m in heavy if m in sys.modules))
    """)
    assert out == ""


def test_lazy_names_resolve():
    out = _run("""
        import ember
        assert "nn" in dir(ember) and "save" in dir(ember)
        layer = ember.nn.Linear(2, 3)
        opt = ember.optim.SGD(layer.parameters(), lr=0.1)
        loader = ember.utils.data.DataLoader(list(range(4)), batch_size=2)
        assert ember.load is ember.serialization.load and ember.save is ember.serialization.save
        ember.testing.assert_close(ember.ones(2), ember.ones(2))
        print(type(layer).__name__, type(opt).__name__, len(loader))
    """)
    assert out == "Linear SGD 2"


def test_import_submodule_statement():
    out = _run("""
        import ember.nn.functional as F
        import ember
        print(F.relu(ember.tensor([-1.0, 2.0])).tolist())
    """)
    assert out == "[0.0, 2.0]"


def test_unknown_attribute_raises_attribute_error():
    import ember
    with pytest.raises(AttributeError, match="no attribute 'not_a_name'"):
        ember.not_a_name  # noqa: B018


def test_dataloader_without_workers_needs_no_multiprocessing():
    out = _run("""
        import sys, ember
        from ember.utils.data import DataLoader
        batches = list(DataLoader(ember.arange(6), batch_size=4))
        print(len(batches), "multiprocessing" in sys.modules)
    """)
    assert out == "2 False"


def test_bfloat16_without_ml_dtypes_names_the_extra():
    out = _run("""
        import sys
        sys.modules["ml_dtypes"] = None  # as if the 'bf16' extra were not installed
        import ember
        x = ember.ones(2)
        try:
            x.to(ember.bfloat16)
        except ImportError as e:
            print(e)
    """)
    assert "ember[bf16]" in out and "ml_dtypes" in out


def test_random_stream_starts_at_first_draw_from_the_seed():
    import ember
    ember.manual_seed(7)
    a = ember.rand(3)
    g = ember.Generator().manual_seed(7)
    b = ember.rand(3, generator=g)
    assert a.tolist() == b.tolist()
