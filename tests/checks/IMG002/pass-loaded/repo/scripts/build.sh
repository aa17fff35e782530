#!/usr/bin/env bash
IMAGE=mini-api:local
docker build -t "$IMAGE" -f api/Dockerfile .
kind load docker-image "$IMAGE" --name "${KIND_CLUSTER:-mini}"
