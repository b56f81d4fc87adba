"""Each program in examples/ runs briefly with ember and its printed training loss goes down."""
import os
import re
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

# program, short-run arguments
CASES = [
    ("cnn_classifier.py", ["--steps", "30"]),
    ("char_lstm.py", ["--steps", "20", "--seq-len", "16", "--batch-size", "8", "--sample", "20"]),
    ("tiny_gpt.py", ["--steps", "20", "--block-size", "16", "--batch-size", "8", "--sample", "20"]),
    ("lbfgs_regression.py", ["--steps", "3"]),
]


def _run(script, args, tmp_path):
    env = dict(os.environ, PYTHONPATH=ROOT + os.pathsep + os.environ.get("PYTHONPATH", ""))
    return subprocess.run([sys.executable, os.path.join(ROOT, "examples", script), *args],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("script,args", CASES, ids=[c[0] for c in CASES])
def test_example_runs_and_loss_decreases(script, args, tmp_path):
    proc = _run(script, args, tmp_path)
    assert proc.returncode == 0, proc.stderr
    losses = [float(v) for v in re.findall(r"^step \d+ loss ([0-9.eE+-]+)$", proc.stdout, re.M)]
    assert len(losses) >= 2, proc.stdout
    assert losses[-1] < 0.9 * losses[0], losses


def test_examples_are_written_as_pytorch_code():
    # the programs read as PyTorch programs: `import ember as torch`, and no reaching into numpy
    for script, _ in CASES:
        with open(os.path.join(ROOT, "examples", script), encoding="utf-8") as f:
            src = f.read()
        assert "import ember as torch" in src, script
        assert "import numpy" not in src, script


def test_text_example_reads_other_file(tmp_path):
    text = tmp_path / "abc.txt"
    text.write_text("abcabcabcabc" * 30, encoding="utf-8")
    proc = _run("char_lstm.py", ["--text", str(text), "--steps", "10", "--seq-len", "8",
                                 "--batch-size", "4", "--sample", "10"], tmp_path)
    assert proc.returncode == 0, proc.stderr
    sample = proc.stdout.split("sample:\n", 1)[1]
    assert set(sample.strip()) <= set("abcT")
