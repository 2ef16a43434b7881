#!/usr/bin/env bash
# Runs `dotnet test` on the solution and ends with one line: "N passed, N failed[, N skipped]".
# Exit code: 0 when nothing failed and at least one test ran, 1 otherwise.
set -uo pipefail
log=$(mktemp)
trap 'rm -f "$log"' EXIT
# Quiet build output, but a failed test still prints its message and stack (the logger's minimal verbosity).
dotnet test LatentSynth.slnx --nologo --no-build -v q --logger "console;verbosity=minimal" "$@" 2>&1 | tee "$log"
status=${PIPESTATUS[0]}
# Each test assembly prints: "Passed!  - Failed:     0, Passed:    42, Skipped:     0, Total: ..."
read -r passed failed skipped < <(awk '
  /(Passed|Failed)! +- +Failed:/ {
    gsub(/,/, " ");
    for (i = 1; i <= NF; i++) {
      if ($i == "Failed:") f += $(i+1);
      if ($i == "Passed:") p += $(i+1);
      if ($i == "Skipped:") s += $(i+1);
    }
  }
  END { printf "%d %d %d\n", p, f, s }' "$log")
if ((status != 0 && failed == 0)); then failed=1; echo "dotnet test failed before reporting results (exit $status)" >&2; fi
line="$passed passed, $failed failed"
((skipped > 0)) && line+=", $skipped skipped"
echo "$line"
((failed == 0 && passed > 0))
