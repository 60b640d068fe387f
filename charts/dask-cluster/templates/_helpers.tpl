{{/* The cluster's name: the release's. The operator names its Pods and its Service after it. */}}
{{- define "dask-cluster.name" -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- end -}}

{{/* Labels on the DaskCluster (the operator adds its own dask.org/* labels to what it makes). */}}
{{- define "dask-cluster.labels" -}}
app.kubernetes.io/name: dask-cluster
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}
