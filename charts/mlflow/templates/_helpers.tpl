{{/* The name every object of a release shares: <release>-mlflow, or the release name when it says mlflow already. */}}
{{- define "mlflow.fullname" -}}
{{- if contains "mlflow" .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-mlflow" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{/* Labels that select the release's Pods (never change them in an upgrade). */}}
{{- define "mlflow.selectorLabels" -}}
app.kubernetes.io/name: mlflow
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{/* Labels on every object: the selector labels plus who made it. */}}
{{- define "mlflow.labels" -}}
{{ include "mlflow.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
