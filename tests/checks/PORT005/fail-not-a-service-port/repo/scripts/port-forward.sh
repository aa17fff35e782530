#!/usr/bin/env bash
kubectl port-forward svc/api 8080:8080 -n mini &
wait
