# TIKETI local setup for Windows (PowerShell 5+ / 7)
#   powershell -ExecutionPolicy Bypass -File scripts\setup-tiketi.ps1
$ErrorActionPreference = 'Stop'

$Root = Split-Path -Parent $PSScriptRoot
Set-Location $Root

foreach ($tool in 'docker', 'kind', 'kubectl') {
    if (-not (Get-Command $tool -ErrorAction SilentlyContinue)) {
        Write-Error "$tool is not installed or not on PATH"
    }
}

$clusters = kind get clusters
if ($clusters -notcontains 'tiketi-local') {
    Write-Host '==> Creating kind cluster tiketi-local'
    kind create cluster --config k8s/kind-config.yaml
}

$images = @(
    @{ Name = 'tiketi-backend:local';         Dockerfile = 'backend/Dockerfile' },
    @{ Name = 'tiketi-auth-service:local';    Dockerfile = 'services/auth-service/Dockerfile' },
    @{ Name = 'tiketi-ticket-service:local';  Dockerfile = 'services/ticket-service/Dockerfile' },
    @{ Name = 'tiketi-payment-service:local'; Dockerfile = 'services/payment-service/Dockerfile' },
    @{ Name = 'tiketi-stats-service:local';   Dockerfile = 'services/stats-service/Dockerfile' },
    @{ Name = 'tiketi-frontend:local';        Dockerfile = 'frontend/Dockerfile' }
)

foreach ($image in $images) {
    Write-Host "==> Building $($image.Name)"
    docker build -t $image.Name -f $image.Dockerfile .
    if ($LASTEXITCODE -ne 0) { throw "docker build failed for $($image.Name)" }
    kind load docker-image $image.Name --name tiketi-local
    if ($LASTEXITCODE -ne 0) { throw "kind load failed for $($image.Name)" }
}

Write-Host '==> Applying manifests'
# kind-config.yaml is for kind, not kubectl: apply the numbered files only
Get-ChildItem k8s -Filter '[0-9]*.yaml' | Sort-Object Name | ForEach-Object {
    kubectl apply -f $_.FullName
}

Write-Host '==> Waiting for deployments'
kubectl wait --for=condition=available deployment --all -n tiketi --timeout=300s

Write-Host ''
Write-Host 'TIKETI is running:'
Write-Host '  Frontend: http://localhost:3000'
Write-Host '  Gateway:  http://localhost:3001/health'
Write-Host 'Service ports (3002-3005): scripts\start_port_forwards.ps1'
