#!/usr/bin/env bash
# Prepares a Debian or Ubuntu host for lab: a Docker engine (Debian's docker.io) and
# debootstrap (to make a Debian base image locally when no registry can be reached),
# then starts dockerd if no engine answers. An engine that already answers is left alone.
# Run as root (or with sudo). Safe to run again.
set -euo pipefail

log() { printf 'prepare-host: %s\n' "$*"; }

engine_answers() { docker info >/dev/null 2>&1; }

if [[ $(id -u) -ne 0 ]]; then
    echo "prepare-host: run as root (sudo $0): it installs packages and starts dockerd" >&2
    exit 2
fi

# The engine is checked through its API (docker info), never with `docker --version`:
# a client alone can be on PATH without any engine.
need=()
command -v dockerd >/dev/null 2>&1 || need+=(docker.io)
command -v debootstrap >/dev/null 2>&1 || need+=(debootstrap)
if ((${#need[@]} > 0)); then
    log "installing ${need[*]} from the distribution's packages"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

if engine_answers; then
    log "a Docker engine already answers; leaving it alone"
    exit 0
fi

if command -v systemctl >/dev/null 2>&1 && [[ -d /run/systemd/system ]]; then
    log "starting docker with systemd"
    systemctl start docker
else
    # No systemd (containers, CI machines): start dockerd by hand, its log in a file.
    log_file=${DOCKERD_LOG:-/var/log/dockerd.log}
    log "starting dockerd in the background (log: $log_file)"
    nohup dockerd >"$log_file" 2>&1 &
fi

for _ in $(seq 1 60); do
    if engine_answers; then
        log "Docker engine is up: $(docker info --format '{{.ServerVersion}}, storage {{.Driver}}, cgroup v{{.CgroupVersion}}')"
        exit 0
    fi
    sleep 1
done
echo "prepare-host: dockerd did not answer within 60 s; see ${log_file:-its log}" >&2
tail -n 20 "${log_file:-/dev/null}" >&2 || true
exit 1
