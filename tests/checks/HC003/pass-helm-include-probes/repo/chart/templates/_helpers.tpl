{{- define "mini.probes" -}}
readinessProbe:
  httpGet: {path: /health/ready, port: http}
{{- end }}
