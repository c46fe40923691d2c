#!/bin/bash
# make bench: figures only (medians, baselines measured in the same run).
# bench/run.sh write: only the volume write+fsync figures (normal, sev-sim).
# bench/run.sh disks: only NVMe against virtio-blk (write+fsync, cold read; normal, sev-sim).
# bench/run.sh console: only stdin/stdout MB/s, virtio console against the UART.
# bench/run.sh smp: only threads on several vCPUs (scaling 1 -> 2, create+join, futex ping-pong).
# bench/run.sh net: only TCP throughput and latency through -p (bench/net.py).
cd "$(dirname "$0")/.." || exit 1
[ "$1" = net ] && exec python3 bench/net.py
exec python3 bench/bench.py "$@"
