# Usage: powershell -ExecutionPolicy Bypass -File scripts\deploy.ps1
& .\scripts\build-images.ps1
kubectl apply -f k8s\api.yaml
kubectl apply -f k8s\apl.yaml
