#!/usr/bin/env bash
# Create the kind cluster, build the images with docker compose, load them and apply the dev overlay.
#   NPM_RC="$(cat ~/.npmrc)" ./scripts/dev-up.sh
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

kind get clusters | grep -qx shop-dev || kind create cluster --config kind.yaml
kubectl apply -f https://raw.githubusercontent.com/kubernetes/ingress-nginx/controller-v1.12.0/deploy/static/provider/kind/deploy.yaml
kubectl -n ingress-nginx wait --for=condition=ready pod -l app.kubernetes.io/component=controller --timeout=180s

docker compose build edge catalog orders web
for app in edge catalog orders web; do
  kind load docker-image "ghcr.io/acme-shop/${app}:dev" --name shop-dev
done

kubectl apply -k deploy/k8s/overlays/dev
kubectl -n shop-dev rollout status deployment --timeout=180s
echo "==> http://localhost:8088"
