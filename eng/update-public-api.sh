#!/usr/bin/env bash
# Rebuilds PublicAPI.Unshipped.txt from the public symbols not in PublicAPI.Shipped.txt, using the
# analyzer's own code fix (RS0016). Run after changing a
# public API, review the diff of PublicAPI.Unshipped.txt, and commit it with the change.
set -euo pipefail
cd "$(dirname "$0")/.."
projects=("$@")
if [ ${#projects[@]} -eq 0 ]; then
  mapfile -t projects < <(ls src/*/*.csproj | grep -v Clustering.Tool)
fi
for p in "${projects[@]}"; do
  dir=$(dirname "$p")
  [ -f "$dir/PublicAPI.Shipped.txt" ] || continue
  # The code fix only fills the file reliably from empty, so the unshipped list is rebuilt whole:
  # everything public that is not already shipped.
  echo '#nullable enable' > "$dir/PublicAPI.Unshipped.txt"
  dotnet format analyzers "$p" --diagnostics RS0016 --severity warn -v q || true
done
