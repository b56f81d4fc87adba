#!/usr/bin/env bash
# Set up and run the tests: install ember with its test extra, lint, run the suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python -m pip install -q -e ".[test]"
ruff check ember tests benchmarks tools examples
python -m pytest -q -n 2 -p no:cacheprovider tests
