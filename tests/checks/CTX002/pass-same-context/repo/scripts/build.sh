#!/usr/bin/env bash
docker build -t mini-api:local -f api/Dockerfile .
