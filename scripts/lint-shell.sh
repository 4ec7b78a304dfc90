#!/usr/bin/env bash
# Runs shellcheck on lab's shell scripts: scripts/*.sh and those container helpers
# (compose/*/lab-*) that are shell; the others are Python or config files.
set -euo pipefail
cd "$(dirname "$0")/.."
command -v shellcheck >/dev/null 2>&1 || { echo "lint-shell: shellcheck is not installed (Debian: apt-get install shellcheck)" >&2; exit 2; }
files=()
for file in scripts/*.sh compose/*/lab-*; do
    if head -n 1 "$file" | grep -Eq '^#!.*[/ ](ba|da)?sh$'; then files+=("$file"); fi
done
echo "lint-shell: ${#files[@]} scripts"
shellcheck --severity=style "${files[@]}"
