#!/usr/bin/env bash
# Build every TIKETI image with the repository root as build context and load
# it into the kind cluster (the Deployments use imagePullPolicy: Never).
#
#   ./scripts/build-and-load.sh
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

echo "==> Building images (context: $ROOT)"
docker build -t tiketi-backend:local -f backend/Dockerfile .
docker build -t tiketi-auth-service:local -f services/auth-service/Dockerfile .
docker build -t tiketi-ticket-service:local -f services/ticket-service/Dockerfile .
docker build -t tiketi-payment-service:local -f services/payment-service/Dockerfile .
docker build -t tiketi-stats-service:local -f services/stats-service/Dockerfile .
docker build -t tiketi-frontend:local -f frontend/Dockerfile .

echo "==> Loading images into kind cluster tiketi-local"
kind load docker-image tiketi-backend:local --name tiketi-local
kind load docker-image tiketi-auth-service:local --name tiketi-local
kind load docker-image tiketi-ticket-service:local --name tiketi-local
kind load docker-image tiketi-payment-service:local --name tiketi-local
kind load docker-image tiketi-stats-service:local --name tiketi-local
kind load docker-image tiketi-frontend:local --name tiketi-local

echo "==> Done. Restart running Deployments to pick up the new images:"
echo "    kubectl rollout restart deployment -n tiketi"
