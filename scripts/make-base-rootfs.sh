#!/usr/bin/env bash
# Makes the root file system of a Debian base image without a registry: debootstrap
# (minbase) of the release's suite into a staging directory; lab then imports it into the
# engine. The mirror is the host's own Debian apt source when it has one (a Debian mirror
# carries every suite), else debootstrap's default; none is hard-coded here.
# Usage: make-base-rootfs.sh ROOTFS_DIR [SUITE [SCRIPT]]
#   SUITE   bookworm (default), trixie, forky, ...
#   SCRIPT  debootstrap's script when the suite has none of its own name (forky: sid)
# Needs root and debootstrap (exit 3 says which remedy to take); prints a line a step.
set -euo pipefail

staging=$1
suite=${2:-bookworm}
script=${3:-}
if [[ ! $suite =~ ^[a-z]+$ || ! $script =~ ^[a-z]*$ ]]; then
    echo "make-base-rootfs: SUITE and SCRIPT are Debian code names in lower-case letters (got '$suite' '$script')" >&2
    exit 2
fi

if [[ $(id -u) -ne 0 ]]; then
    echo "make-base-rootfs: debootstrap needs root: run lab as root, or load a Debian image yourself (docker load / docker import) and set LAB_BASE_IMAGE to it" >&2
    exit 3
fi
if ! command -v debootstrap >/dev/null 2>&1; then
    echo "make-base-rootfs: debootstrap is not installed: run scripts/prepare-host.sh (or apt-get install debootstrap), or set LAB_BASE_IMAGE to a Debian $suite image the engine has" >&2
    exit 3
fi

# The host's Debian mirror: the URI of its own suite's entry (not -security, not -updates),
# from deb822 .sources files or one-line sources.list entries.
# shellcheck source=/dev/null
host_suite=$( (. /etc/os-release 2>/dev/null && echo "${VERSION_CODENAME:-}") || true)
host_mirror() {
    local file
    [[ $host_suite =~ ^[a-z]+$ ]] || return 0
    for file in /etc/apt/sources.list.d/*.sources; do
        [[ -r $file ]] || continue
        awk -v suite="$host_suite" '
            function found() { return uri != "" && index(suites, " " suite " ") > 0 && types ~ /deb( |$)/ }
            /^[[:space:]]*$/ { if (found()) { print uri; exit } uri = ""; suites = ""; types = ""; next }
            /^URIs:/ { uri = $2 } /^Suites:/ { $1 = ""; suites = $0 " " } /^Types:/ { $1 = ""; types = $0 " " }
            END { if (found()) print uri }
        ' "$file" | head -n 1
    done
    for file in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
        [[ -r $file ]] || continue
        awk -v suite="$host_suite" '$1 == "deb" && index($0, " " suite " ") > 0 { for (i = 2; i <= NF; i++) if ($i ~ /^[a-z]+:\/\//) { print $i; exit } }' "$file"
    done
}
mirror=$(host_mirror | head -n 1 || true)

# debootstrap takes a script only after a mirror; an empty mirror is its own default.
args=(--variant=minbase "$suite" "$staging")
if [[ -n $script ]]; then
    args+=("$mirror" "/usr/share/debootstrap/scripts/$script")
elif [[ -n $mirror ]]; then
    args+=("$mirror")
fi
echo "make-base-rootfs: debootstrap --variant=minbase $suite${mirror:+ from $mirror}${script:+ (script $script)}"
debootstrap "${args[@]}" >"$staging.log" 2>&1 || {
    echo "make-base-rootfs: debootstrap failed; its last lines:" >&2
    tail -n 15 "$staging.log" >&2
    exit 1
}
rm -f "$staging.log"
# apt inside the image uses the same mirror debootstrap used, and no recommends.
printf 'APT::Install-Recommends "false";\nAPT::Install-Suggests "false";\n' >"$staging/etc/apt/apt.conf.d/90lab"
echo "make-base-rootfs: done"
