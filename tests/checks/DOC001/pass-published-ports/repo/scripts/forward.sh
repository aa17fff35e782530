#!/usr/bin/env bash
kubectl port-forward -n mini svc/api 9000:3005
