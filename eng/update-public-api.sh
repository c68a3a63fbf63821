#!/usr/bin/env bash
# Adds every public symbol that is missing from PublicAPI.Unshipped.txt (RS0016) and removes entries
# for symbols that no longer exist (RS0017), using the analyzer's own code fix. Run after changing a
# public API, review the diff of PublicAPI.Unshipped.txt, and commit it with the change.
set -euo pipefail
cd "$(dirname "$0")/.."
projects=("$@")
if [ ${#projects[@]} -eq 0 ]; then
  mapfile -t projects < <(ls src/*/*.csproj | grep -v Clustering.Tool)
fi
for p in "${projects[@]}"; do
  dotnet format analyzers "$p" --diagnostics RS0016 RS0017 --severity warn -v q || true
done
