#!/usr/bin/env bash
kubectl port-forward svc/api 3005:80 -n mini &
kubectl port-forward -n other svc/api 3005:9999 &
wait
