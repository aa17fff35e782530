#!/bin/sh
set -e
docker build -t mini-api:local api
docker build -t worker:local -f worker/Dockerfile worker
kind load docker-image worker:local
