#!/usr/bin/env bash
kubectl port-forward -n mini svc/api 3005:3005 &
kubectl port-forward -n mini svc/web 3001 &
wait
