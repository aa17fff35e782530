#!/usr/bin/env bash
# Forward every TIKETI Service to localhost.
# kind-config.yaml already publishes the frontend (3000) and the gateway (3001);
# a forward whose local port is taken is skipped.
# Stop everything with ./scripts/cleanup.sh --forwards-only
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PID_FILE="$ROOT/.port-forward.pids"
LOG_FILE="${TMPDIR:-/tmp}/tiketi-port-forward.log"
: > "$PID_FILE"

start() {
  local local_port=$1
  shift
  if (exec 3<>"/dev/tcp/127.0.0.1/$local_port") 2>/dev/null; then
    echo "skip: localhost:$local_port is already in use"
    return
  fi
  "$@" >>"$LOG_FILE" 2>&1 &
  echo $! >> "$PID_FILE"
  echo "localhost:$local_port -> $5"
}

start 3000 kubectl port-forward -n tiketi svc/frontend-service 3000:3000
start 3001 kubectl port-forward -n tiketi svc/backend-service 3001:3001
start 3002 kubectl port-forward -n tiketi svc/ticket-service 3002:3004
start 3003 kubectl port-forward -n tiketi svc/payment-service 3003:3003
start 3004 kubectl port-forward -n tiketi svc/stats-service 3004:3005
start 3005 kubectl port-forward -n tiketi svc/auth-service 3005:3002

echo
echo "Frontend: http://localhost:3000"
echo "Gateway:  http://localhost:3001/health"
echo "Logs: $LOG_FILE"
