# powershell -File scripts\run.ps1
$Root = Split-Path -Parent $PSScriptRoot
Get-ChildItem k8s -Filter '*.yaml' | ForEach-Object { kubectl apply -f $_.FullName }
kubectl apply -f k8s\api.yaml
& "$Root\scripts\port-forward.sh"
