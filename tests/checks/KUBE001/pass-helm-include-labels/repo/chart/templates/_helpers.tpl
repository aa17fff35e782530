{{- define "mini.selectorLabels" -}}
app.kubernetes.io/name: api
{{- end }}
