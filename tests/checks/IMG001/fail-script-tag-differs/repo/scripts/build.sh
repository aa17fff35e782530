#!/usr/bin/env bash
set -euo pipefail
cd "$(dirname "$0")/.."
docker build -t mini-api:dev -f api/Dockerfile .
kind load docker-image mini-api:dev --name mini
