{{/* The name every object of a release starts with: <release>-jupyterhub, or the release name when it says jupyterhub already. */}}
{{- define "jupyterhub.fullname" -}}
{{- if contains "jupyterhub" .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-jupyterhub" .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels that select one part's Pods (never change them in an upgrade); the part is "hub" or "proxy". */}}
{{- define "jupyterhub.selectorLabels" -}}
app.kubernetes.io/name: jupyterhub
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{/* Labels on every object of one part: the selector labels plus who made it. */}}
{{- define "jupyterhub.labels" -}}
{{ include "jupyterhub.selectorLabels" . }}
app.kubernetes.io/version: {{ .root.Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* A secret value: the one given, else the one the release already has, else a new random one. */}}
{{- define "jupyterhub.secretValue" -}}
{{- $existing := lookup "v1" "Secret" .root.Release.Namespace (include "jupyterhub.fullname" .root) -}}
{{- if .given -}}
{{- .given -}}
{{- else if and $existing (hasKey $existing.data .key) -}}
{{- index $existing.data .key | b64dec -}}
{{- else -}}
{{- randAlphaNum 32 -}}
{{- end -}}
{{- end -}}

{{/* A CPU amount as KubeSpawner takes it, in cores: "100m" -> 0.1, 2 -> 2. */}}
{{- define "jupyterhub.cpu" -}}
{{- $cpu := toString . -}}
{{- if hasSuffix "m" $cpu -}}
{{- divf (trimSuffix "m" $cpu | float64) 1000 -}}
{{- else -}}
{{- $cpu -}}
{{- end -}}
{{- end -}}

{{/* A memory amount as KubeSpawner takes it: "256Mi" -> "256M" (its M, G are already powers of 1024). */}}
{{- define "jupyterhub.memory" -}}
{{- trimSuffix "i" (toString .) -}}
{{- end -}}
