# Benchmarks: see bench/run.sh
.PHONY: bench-programs
bench-programs:
