#!/usr/bin/env bash
curl -fsS http://localhost:9090/metrics
