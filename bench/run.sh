#!/bin/bash
# make bench: figures only (medians, baselines measured in the same run).
# bench/run.sh write: only the volume write+fsync figures (normal, sev-sim).
# bench/run.sh disks: only NVMe against virtio-blk (write+fsync, cold read; normal, sev-sim).
# bench/run.sh console: only stdin/stdout MB/s, virtio console against the UART.
# bench/run.sh smp: only a CPU-bound job on 1 and 2 vCPUs (the scaling).
# bench/run.sh net: only TCP throughput and latency through -p (bench/net.py).
# bench/run.sh nanos: cloak against the Nanos unikernel on the same work (NANOS_DIR; bench/nanos.py).
# bench/run.sh threads: only the thread figures (bench/thread_bench.py).
cd "$(dirname "$0")/.." || exit 1
[ "$1" = net ] && exec python3 bench/net.py
[ "$1" = nanos ] && exec python3 bench/nanos.py
exec python3 bench/bench.py "$@"
