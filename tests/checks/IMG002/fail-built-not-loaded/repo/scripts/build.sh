#!/usr/bin/env bash
set -e
for name in api worker; do
  docker build -t mini-$name:local -f $name/Dockerfile .
done
kind load docker-image mini-worker:local --name mini
