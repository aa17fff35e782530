#!/usr/bin/env bash
# Remove everything dev-up.sh created.
set -euo pipefail
kind delete cluster --name shop-dev
