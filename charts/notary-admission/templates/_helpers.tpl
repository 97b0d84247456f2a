{{/* Names, labels and the computed values the templates share. */}}

{{- define "notary-admission.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "notary-admission.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "notary-admission.selectorLabels" -}}
app.kubernetes.io/name: {{ include "notary-admission.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "notary-admission.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "notary-admission.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: notary-admission
{{- end -}}

{{- define "notary-admission.serviceAccountName" -}}
{{- default (include "notary-admission.fullname" .) .Values.serviceAccount.name -}}
{{- end -}}

{{- define "notary-admission.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}
{{- end -}}

{{/* True (non-empty) when the webhook runs in the cluster, behind our Service. */}}
{{- define "notary-admission.inCluster" -}}
{{- if not .Values.webhook.url -}}true{{- end -}}
{{- end -}}

{{- define "notary-admission.tlsSecretName" -}}
{{- if eq .Values.tls.mode "manual" -}}
{{- required "tls.existingSecret is required with tls.mode manual" .Values.tls.existingSecret -}}
{{- else -}}
{{- printf "%s-tls" (include "notary-admission.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* The DNS names the API server uses for the Service: <svc>.<ns>.svc is the one it checks. */}}
{{- define "notary-admission.dnsNames" -}}
{{- $svc := include "notary-admission.fullname" . -}}
{{- $ns := .Release.Namespace -}}
{{- list $svc (printf "%s.%s" $svc $ns) (printf "%s.%s.svc" $svc $ns) (printf "%s.%s.svc.cluster.local" $svc $ns) | toJson -}}
{{- end -}}

{{/* The memory limit in MiB (the schema allows only Mi and Gi). */}}
{{- define "notary-admission.memoryLimitMiB" -}}
{{- $limit := toString .Values.resources.limits.memory -}}
{{- if hasSuffix "Gi" $limit -}}
{{- mul (trimSuffix "Gi" $limit | int) 1024 -}}
{{- else -}}
{{- trimSuffix "Mi" $limit | int -}}
{{- end -}}
{{- end -}}

{{/* The pod's grace period: as given, else the drain delay plus the webhook timeout plus 15 s. */}}
{{- define "notary-admission.terminationGracePeriodSeconds" -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds -}}
{{- add .Values.config.drainDelaySeconds .Values.webhook.timeoutSeconds 15 -}}
{{- else -}}
{{- .Values.terminationGracePeriodSeconds | int -}}
{{- end -}}
{{- end -}}

{{/* Fails the render on combinations the schema cannot express. */}}
{{- define "notary-admission.validate" -}}
{{- $grace := include "notary-admission.terminationGracePeriodSeconds" . | int -}}
{{- $needed := add .Values.config.drainDelaySeconds .Values.webhook.timeoutSeconds -}}
{{- if le $grace (int $needed) -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed config.drainDelaySeconds + webhook.timeoutSeconds (%d): a pod must finish the reviews it accepted while draining" $grace (int $needed)) -}}
{{- end -}}
{{- if and .Values.webhook.url (not .Values.tls.caBundle) (ne .Values.tls.mode "self-managed") -}}
{{- fail "webhook.url needs tls.caBundle (the PEM CA of the server at that URL), or tls.mode self-managed" -}}
{{- end -}}
{{- if and .Values.webhook.url (not (hasPrefix "https://" .Values.webhook.url)) -}}
{{- fail "webhook.url must start with https://" -}}
{{- end -}}
{{- if and (eq .Values.tls.mode "manual") (not .Values.tls.caBundle) -}}
{{- fail "tls.mode manual needs tls.caBundle: the PEM CA that signed tls.existingSecret" -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (lt (int .Values.autoscaling.minReplicas) 2) -}}
{{- fail "autoscaling.minReplicas must be at least 2: the webhook is fail-closed" -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- fail "autoscaling.maxReplicas must be at least autoscaling.minReplicas" -}}
{{- end -}}
{{- if and .Values.autoscaling.enabled .Values.podDisruptionBudget.enabled -}}
{{- /* A percentage is rounded up by the disruption controller: "67%" of 2 replicas is 2. */ -}}
{{- $min := .Values.podDisruptionBudget.minAvailable -}}
{{- $floor := int .Values.autoscaling.minReplicas -}}
{{- $kept := int $min -}}
{{- if kindIs "string" $min -}}
{{- $kept = div (add (mul (int (trimSuffix "%" $min)) $floor) 99) 100 -}}
{{- end -}}
{{- if ge (int $kept) $floor -}}
{{- fail "podDisruptionBudget.minAvailable must be below autoscaling.minReplicas, or no replica could ever be evicted (node drains would hang)" -}}
{{- end -}}
{{- end -}}
{{- if and .Values.policy.create (not .Values.policy.certificates) (ne .Values.policy.level "skip") -}}
{{- fail "policy.create needs policy.certificates: the PEM certificates of the signing CA" -}}
{{- end -}}
{{- end -}}

{{/* One webhook's clientConfig: the Service, or the out-of-cluster URL. */}}
{{- define "notary-admission.clientConfig" -}}
{{- $root := index . 0 -}}
{{- $path := index . 1 -}}
{{- $caBundle := index . 2 -}}
{{- if $root.Values.webhook.url }}
url: {{ printf "%s%s" (trimSuffix "/" $root.Values.webhook.url) $path | quote }}
{{- else }}
service:
  name: {{ include "notary-admission.fullname" $root }}
  namespace: {{ $root.Release.Namespace }}
  path: {{ $path }}
  port: {{ $root.Values.webhook.servicePort }}
{{- end }}
{{- if $caBundle }}
caBundle: {{ $caBundle }}
{{- end }}
{{- end -}}

{{/* Rules, scope and safety settings shared by both webhook configurations. */}}
{{- define "notary-admission.webhookCommon" -}}
admissionReviewVersions: [v1]
failurePolicy: {{ .Values.webhook.failurePolicy }}
matchPolicy: Equivalent
timeoutSeconds: {{ .Values.webhook.timeoutSeconds }}
namespaceSelector:
  matchExpressions:
    - key: kubernetes.io/metadata.name
      operator: NotIn
      values:
        {{- range (concat (list "kube-system" .Release.Namespace) .Values.webhook.exemptNamespaces | uniq) }}
        - {{ . }}
        {{- end }}
    {{- with .Values.webhook.namespaceOptIn }}
    {{- if .enabled }}
    {{- /* Opt-in: only namespaces carrying the label (whoever may label namespaces decides). */}}
    - key: {{ .label }}
      operator: In
      values: ['true']
    {{- end }}
    {{- end }}
{{- with .Values.webhook.objectSelector }}
objectSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.webhook.matchConditions }}
matchConditions:
  {{- toYaml . | nindent 2 }}
{{- end }}
rules:
  - apiGroups: ['']
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [pods]
    scope: Namespaced
  - apiGroups: ['']
    apiVersions: [v1]
    operations: [UPDATE]
    resources: [pods/ephemeralcontainers]
    scope: Namespaced
  - apiGroups: ['']
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [replicationcontrollers, podtemplates]
    scope: Namespaced
  - apiGroups: [apps]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [deployments, replicasets, statefulsets, daemonsets]
    scope: Namespaced
  - apiGroups: [batch]
    apiVersions: [v1]
    operations: [CREATE, UPDATE]
    resources: [jobs, cronjobs]
    scope: Namespaced
{{- end -}}

{{/*
Self-managed TLS (issue 19): true (non-empty) when the service keeps its own CA and serving
certificate in a Secret and writes the caBundle itself; not when webhook.url comes with its own
tls.caBundle (a server outside the cluster with its own certificate).
*/}}
{{- define "notary-admission.selfManagedTls" -}}
{{- if and (eq .Values.tls.mode "self-managed") (not (and .Values.webhook.url .Values.tls.caBundle)) -}}true{{- end -}}
{{- end -}}

{{/* The Secret the service keeps its CA and serving certificate in (self-managed TLS). */}}
{{- define "notary-admission.servingSecretName" -}}
{{- printf "%s-serving-tls" (include "notary-admission.fullname" . | trunc 51 | trimSuffix "-") -}}
{{- end -}}

{{/* The Lease that lets one replica write that Secret and the caBundle (self-managed TLS). */}}
{{- define "notary-admission.tlsLeaseName" -}}
{{- printf "%s-tls" (include "notary-admission.fullname" . | trunc 59 | trimSuffix "-") -}}
{{- end -}}
