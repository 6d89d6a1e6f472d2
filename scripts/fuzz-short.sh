#!/usr/bin/env bash
# Runs every fuzz target of the module briefly (FUZZTIME, default 8s each) on top
# of its committed seed corpus. Used by `make fuzz` and CI.
set -euo pipefail
cd "$(dirname "$0")/.."
t=${FUZZTIME:-8s}
grep -rl --include='*_test.go' '^func Fuzz' . | sort | while read -r f; do
  pkg=./$(dirname "${f#./}")
  for fn in $(grep -o '^func Fuzz[A-Za-z0-9_]*' "$f" | cut -d' ' -f2); do
    echo "fuzz $pkg $fn ($t)"
    go test -run '^$' -fuzz "^${fn}\$" -fuzztime "$t" -parallel 2 "$pkg" >/tmp/fuzz.$$.log 2>&1 || { cat /tmp/fuzz.$$.log; exit 1; }
  done
done
echo "fuzz: all targets clean"
