#!/usr/bin/env bash
# Set up and run the main job (until the training demo lands: a tensors-and-autograd example).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d .venv ] || python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q -e .
python examples/autograd_basics.py
