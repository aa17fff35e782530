# Forward the TIKETI Services to localhost in background windows.
# kind-config.yaml already publishes 3000 (frontend) and 3001 (gateway); those
# two are skipped when the port is taken.
#   powershell -ExecutionPolicy Bypass -File scripts\start_port_forwards.ps1
$ErrorActionPreference = 'Stop'

function Test-PortInUse([int]$Port) {
    $client = New-Object System.Net.Sockets.TcpClient
    try { $client.Connect('127.0.0.1', $Port); return $true } catch { return $false } finally { $client.Dispose() }
}

$forwards = [ordered]@{
    '3000' = 'port-forward -n tiketi svc/frontend-service 3000:3000'
    '3001' = 'port-forward -n tiketi svc/backend-service 3001:3001'
    '3002' = 'port-forward -n tiketi svc/ticket-service 3002:3002'
    '3003' = 'port-forward -n tiketi svc/payment-service 3003:3003'
    '3004' = 'port-forward -n tiketi svc/stats-service 3004:3004'
    '3005' = 'port-forward -n tiketi svc/auth-service 3005:3005'
}

foreach ($port in $forwards.Keys) {
    if (Test-PortInUse ([int]$port)) {
        Write-Host "skip: localhost:$port is already in use"
        continue
    }
    Start-Process -WindowStyle Minimized kubectl $forwards[$port]
    Write-Host "localhost:$port -> $($forwards[$port].Split(' ')[3])"
}

Write-Host ''
Write-Host 'Frontend: http://localhost:3000'
Write-Host 'Gateway:  http://localhost:3001/health'
Write-Host 'Close the kubectl windows to stop forwarding.'
