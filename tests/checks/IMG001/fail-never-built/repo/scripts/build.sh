#!/usr/bin/env bash
docker build -t mini-worker:local -f worker/Dockerfile .
kind load docker-image mini-worker:local --name mini
