#!/usr/bin/env bash
cd "$(dirname "$0")/.."
docker build -t your-registry/mini-api:1.0 -f api/Dockerfile .
