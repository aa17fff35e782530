#!/bin/sh
docker build -t registry.mini.dev/worker:2.1 worker
docker build -t ghcr.io/mini/worker:2.1 worker
docker build -t registry.mini.dev/mailer:2.1 mailer
