#!/usr/bin/env bash
set -e
docker build -t mini-api:local api
