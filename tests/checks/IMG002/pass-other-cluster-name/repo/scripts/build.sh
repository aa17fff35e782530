#!/usr/bin/env bash
docker build -t mini-api:local -f api/Dockerfile .
kind load docker-image mini-api:local --name mini-ci
