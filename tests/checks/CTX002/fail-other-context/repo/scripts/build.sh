#!/usr/bin/env bash
docker build -t mini-api:local api
