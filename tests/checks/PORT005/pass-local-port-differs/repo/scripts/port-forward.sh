#!/usr/bin/env bash
kubectl port-forward --address 127.0.0.1 -n mini svc/api 13005:3005 &
kubectl port-forward -n mini deployment/web 8080:3001 &
wait
