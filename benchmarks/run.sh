#!/usr/bin/env bash
# Builds the C++ baseline and runs benchmarks/run.py (the C# side is built by `make bench`).
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
cmake -S benchmarks/native_overhead -B benchmarks/native_overhead/build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build benchmarks/native_overhead/build -j 2 >/dev/null
exec /usr/bin/python3 benchmarks/run.py "$@"
