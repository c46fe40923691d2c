#!/bin/bash
echo "no benchmarks yet"
