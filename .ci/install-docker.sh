#!/usr/bin/env bash
# Install and start a Docker engine for the tests that build and run real images.
#
# Idempotent: installs docker.io (engine, containerd, ctr), busybox-static and docker-registry
# (the registry binary: the push tests start their own on a loopback port) only when missing,
# and starts dockerd only when `docker info` fails. It never fails the CI run: when the engine
# cannot be had it says why and exits 0, and the Docker tests then skip with that reason
# (written to $TIKETI_DOCKER_STATUS_FILE for them to show).
set -uo pipefail

LOG=${TIKETI_DOCKERD_LOG:-/tmp/tiketi-dockerd.log}
STATUS_FILE=${TIKETI_DOCKER_STATUS_FILE:-/tmp/tiketi-docker-status}
WAIT_SECONDS=30

say() { echo "install-docker: $*"; }

give_up() {
    say "Docker engine unavailable: $* (the Docker tests will be skipped)"
    echo "$*" > "$STATUS_FILE" 2>/dev/null || true
    exit 0
}

engine_answers() { timeout 10 docker info >/dev/null 2>&1; }

if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null 2>&1; then
    SUDO=""
    say "not root and no sudo: will only use what is already installed"
elif [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo -n"
else
    SUDO=""
fi

missing=()
command -v dockerd >/dev/null 2>&1 || missing+=(docker.io)
command -v busybox >/dev/null 2>&1 || missing+=(busybox-static)
# A real registry (distribution) for the push and GitOps heal tests; they start it on 127.0.0.1 themselves.
[ -x /usr/bin/docker-registry ] || missing+=(docker-registry)

if [ ${#missing[@]} -gt 0 ]; then
    if ! command -v apt-get >/dev/null 2>&1; then
        give_up "missing ${missing[*]} and no apt-get to install them"
    fi
    say "installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    # policy-rc.d may forbid starting services during the install; we start dockerd ourselves.
    if ! $SUDO apt-get update -qq </dev/null; then
        give_up "apt-get update failed"
    fi
    if ! $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" </dev/null >/tmp/tiketi-docker-apt.log 2>&1; then
        tail -n 20 /tmp/tiketi-docker-apt.log
        give_up "apt-get install ${missing[*]} failed (log: /tmp/tiketi-docker-apt.log)"
    fi
fi

# The docker CLI may come from elsewhere (e.g. /usr/local/bin); any client >= API 1.41 works.
command -v docker >/dev/null 2>&1 || give_up "no docker client on PATH"

if engine_answers; then
    say "engine already running: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null)"
    rm -f "$STATUS_FILE"
    exit 0
fi

if ! pgrep -x dockerd >/dev/null 2>&1; then
    # Left by a dockerd that was killed (e.g. with the session that started it): a stale pid
    # file makes a new dockerd refuse to start.
    $SUDO rm -f /var/run/docker.pid /var/run/docker.sock
fi

say "starting dockerd (log: $LOG)"
# setsid + nohup: the daemon must outlive this script and the CI step that ran it.
$SUDO setsid nohup dockerd >"$LOG" 2>&1 </dev/null &
DOCKERD_PID=$!

for _ in $(seq 1 $((WAIT_SECONDS * 2))); do
    if ! kill -0 "$DOCKERD_PID" 2>/dev/null && ! engine_answers; then
        tail -n 20 "$LOG" 2>/dev/null
        give_up "dockerd exited at start: $(tail -n 1 "$LOG" 2>/dev/null) (log: $LOG)"
    fi
    if engine_answers; then
        say "engine ready: $(docker version --format '{{.Server.Version}} (API {{.Server.APIVersion}})' 2>/dev/null)"
        rm -f "$STATUS_FILE"
        exit 0
    fi
    sleep 0.5
done

tail -n 20 "$LOG" 2>/dev/null
give_up "dockerd did not answer within ${WAIT_SECONDS}s (log: $LOG)"
