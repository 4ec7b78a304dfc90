#!/usr/bin/env bash
# Makes the root file system of a Debian bookworm base image without a registry:
# debootstrap (minbase) into a staging directory; lab then imports it into the engine.
# The mirror is the host's own apt source for bookworm when it has one, else
# debootstrap's default; none is hard-coded here.
# Usage: make-base-rootfs.sh ROOTFS_DIR
# Needs root and debootstrap (exit 3 says which remedy to take); prints a line a step.
set -euo pipefail

staging=$1

if [[ $(id -u) -ne 0 ]]; then
    echo "make-base-rootfs: debootstrap needs root: run lab as root, or load a Debian image yourself (docker load / docker import) and set LAB_BASE_IMAGE to it" >&2
    exit 3
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    echo "make-base-rootfs: debootstrap is not installed: run scripts/prepare-host.sh (or apt-get install debootstrap), or set LAB_BASE_IMAGE to a Debian bookworm image the engine has" >&2
    exit 3
fi

# The host's bookworm mirror, from deb822 .sources files or one-line sources.list entries.
host_mirror() {
    local file
    for file in /etc/apt/sources.list.d/*.sources; do
        [[ -r $file ]] || continue
        awk '
            /^[[:space:]]*$/ { if (uri != "" && suites ~ /(^| )bookworm( |$)/ && types ~ /deb( |$)/) { print uri; exit } uri = ""; suites = ""; types = ""; next }
            /^URIs:/ { uri = $2 } /^Suites:/ { $1 = ""; suites = $0 " " } /^Types:/ { $1 = ""; types = $0 " " }
            END { if (uri != "" && suites ~ /(^| )bookworm( |$)/ && types ~ /deb( |$)/) print uri }
        ' "$file" | head -n 1
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -r $file ]] || continue
        awk '$1 == "deb" && $0 ~ / bookworm / { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$file"
    done
}
mirror=$(host_mirror | head -n 1 || true)

echo "make-base-rootfs: debootstrap --variant=minbase bookworm${mirror:+ from $mirror}"
debootstrap --variant=minbase bookworm "$staging" ${mirror:+"$mirror"} >"$staging.log" 2>&1 || {
    echo "make-base-rootfs: debootstrap failed; its last lines:" >&2
    tail -n 15 "$staging.log" >&2
    exit 1
}
rm -f "$staging.log"
# apt inside the image uses the same mirror debootstrap used, and no recommends.
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$staging/etc/apt/apt.conf.d/90lab"
echo "make-base-rootfs: done"
