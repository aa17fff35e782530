#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
docker build -t ghcr.io/mini/api:1.0 -f api/Dockerfile .
docker push ghcr.io/mini/api:1.0
