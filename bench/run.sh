#!/bin/bash
# make bench: figures only (medians, baselines measured in the same run).
cd "$(dirname "$0")/.." || exit 1
exec python3 bench/bench.py "$@"
