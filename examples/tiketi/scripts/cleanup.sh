#!/usr/bin/env bash
# Stop the port-forwards started by port-forward-all.sh and remove TIKETI.
#
#   ./scripts/cleanup.sh                  stop forwards, delete the tiketi namespace
#   ./scripts/cleanup.sh --forwards-only  stop forwards only
#   ./scripts/cleanup.sh --cluster        also delete the kind cluster tiketi-local
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PID_FILE="$ROOT/.port-forward.pids"

if [ -f "$PID_FILE" ]; then
  while read -r pid; do
    [ -n "$pid" ] && kill "$pid" 2>/dev/null || true
  done < "$PID_FILE"
  rm -f "$PID_FILE"
  echo "port-forwards stopped"
fi

[ "${1:-}" = "--forwards-only" ] && exit 0

kubectl delete namespace tiketi --ignore-not-found
echo "namespace tiketi deleted"

if [ "${1:-}" = "--cluster" ]; then
  kind delete cluster --name tiketi-local
fi
