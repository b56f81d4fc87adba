#!/usr/bin/env bash
# Set up and run the main job: a venv with ember and its `demo` extra (tqdm, matplotlib),
# then train a small CNN on the handwritten digits that ship with ember.
# Extra arguments go to the job, e.g.  bash scripts/demo.sh --epochs 5 --seed 1
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d .venv ] || python3 -m venv .venv
. .venv/bin/activate
python -m pip install -q -e ".[demo]"
python -m ember.examples.digits --out runs/digits "$@"
