/**
 * Rules Kubernetes enforces that its OpenAPI schema doesn't express, so kubernetes-models can't
 * check them: name syntax, label syntax, port ranges and unknown fields.
 *
 * Only rules that are certain: each one is what the API server's validation does (links below) or
 * a project rule stated in STYLE.md. Kinds this file doesn't list get only the rules that hold for
 * every kind.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/names/
 * @see https://github.com/kubernetes/kubernetes/blob/v1.33.0/pkg/apis/core/validation/validation.go
 */
import { type FieldPath } from "../../fleet/model/issues";
import { isDnsLabel, isLabelValue } from "../../fleet/model/naming";
import { type Json } from "../../fleet/stacks/plan-document";
import { type KubernetesObject } from "./types";

/** One rule broken: where in the object, and how. */
export interface Finding {
  readonly path: FieldPath;
  readonly message: string;
}

/** The name syntaxes Kubernetes uses for object names. */
export const NameRule = {
  /** RFC 1123 label: at most 63 of `[a-z0-9-]`, alphanumeric at both ends. */
  label: "label",
  /** RFC 1035 label: a 1123 label that starts with a letter (Service names, so they work in DNS). */
  label1035: "label1035",
  /** RFC 1123 subdomain: at most 253 characters, labels joined by dots. */
  subdomain: "subdomain",
} as const;

/** One of {@link NameRule}. */
export type NameRule = (typeof NameRule)[keyof typeof NameRule];

/** What this file knows for sure about one kind. */
interface KindRule {
  readonly namespaced: boolean;
  readonly name: NameRule;
  /** Top-level fields besides apiVersion, kind and metadata, as in the kind's v1.33 schema. */
  readonly fields: readonly string[];
}

const SPEC_STATUS = ["spec", "status"] as const;

/**
 * Known kinds. Namespace and Service names are checked as the API server does
 * (`ValidateNamespaceName`, `ValidateServiceName`). Workloads and PDBs must be DNS labels by
 * project rule: their names become pod hostnames and label values (`job-name`), and a PDB shares
 * its Deployment's name (STYLE.md, "Validation").
 */
const KIND_RULES: Readonly<Record<string, KindRule>> = {
  Namespace: { namespaced: false, name: NameRule.label, fields: SPEC_STATUS },
  Service: { namespaced: true, name: NameRule.label1035, fields: SPEC_STATUS },
  Deployment: { namespaced: true, name: NameRule.label, fields: SPEC_STATUS },
  StatefulSet: { namespaced: true, name: NameRule.label, fields: SPEC_STATUS },
  DaemonSet: { namespaced: true, name: NameRule.label, fields: SPEC_STATUS },
  ReplicaSet: { namespaced: true, name: NameRule.label, fields: SPEC_STATUS },
  Job: { namespaced: true, name: NameRule.label, fields: SPEC_STATUS },
  CronJob: { namespaced: true, name: NameRule.label, fields: SPEC_STATUS },
  PodDisruptionBudget: { namespaced: true, name: NameRule.label, fields: SPEC_STATUS },
  Pod: { namespaced: true, name: NameRule.subdomain, fields: SPEC_STATUS },
  PersistentVolumeClaim: { namespaced: true, name: NameRule.subdomain, fields: SPEC_STATUS },
  Ingress: { namespaced: true, name: NameRule.subdomain, fields: SPEC_STATUS },
  NetworkPolicy: { namespaced: true, name: NameRule.subdomain, fields: ["spec"] },
  ConfigMap: {
    namespaced: true,
    name: NameRule.subdomain,
    fields: ["data", "binaryData", "immutable"],
  },
  Secret: {
    namespaced: true,
    name: NameRule.subdomain,
    fields: ["data", "stringData", "type", "immutable"],
  },
  StorageClass: {
    namespaced: false,
    name: NameRule.subdomain,
    fields: [
      "provisioner",
      "parameters",
      "reclaimPolicy",
      "mountOptions",
      "allowVolumeExpansion",
      "volumeBindingMode",
      "allowedTopologies",
    ],
  },
  ServiceAccount: {
    namespaced: true,
    name: NameRule.subdomain,
    fields: ["secrets", "imagePullSecrets", "automountServiceAccountToken"],
  },
};

/** Fields of `ObjectMeta` in v1.33; anything else under `metadata` is a typo. */
const OBJECT_META_FIELDS: ReadonlySet<string> = new Set([
  "annotations",
  "creationTimestamp",
  "deletionGracePeriodSeconds",
  "deletionTimestamp",
  "finalizers",
  "generateName",
  "generation",
  "labels",
  "managedFields",
  "name",
  "namespace",
  "ownerReferences",
  "resourceVersion",
  "selfLink",
  "uid",
]);

/** Where the pod template sits in each kind that has one. */
const POD_TEMPLATE_PATHS: Readonly<Record<string, FieldPath>> = {
  Deployment: ["spec", "template"],
  StatefulSet: ["spec", "template"],
  DaemonSet: ["spec", "template"],
  ReplicaSet: ["spec", "template"],
  ReplicationController: ["spec", "template"],
  Job: ["spec", "template"],
  CronJob: ["spec", "jobTemplate", "spec", "template"],
};

const NAME_TEXT: Readonly<Record<NameRule | "pathSegment", string>> = {
  pathSegment: 'a path segment (not empty, "." or "..", without "/" or "%")',
  label:
    'a DNS-1123 label (at most 63 of a-z, 0-9 and "-", starting and ending with a letter or digit)',
  label1035:
    'a DNS-1035 label (at most 63 of a-z, 0-9 and "-", starting with a letter, ending with a letter or digit)',
  subdomain: 'a DNS-1123 subdomain (at most 253 characters: DNS-1123 labels joined by ".")',
};

const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;

/** Whether `name` is a DNS-1123 subdomain (at most 253 characters). */
export function isDnsSubdomain(name: string): boolean {
  return name.length <= 253 && SUBDOMAIN.test(name);
}

/**
 * Whether `name` follows `rule`; without one, only the rule every object name follows: it is a
 * segment of the object's REST path, so not `.` or `..` and without `/` or `%`
 * (apimachinery `IsValidPathSegmentName`). That also keeps it a safe file name.
 */
function followsNameRule(name: string, rule: NameRule | undefined): boolean {
  if (rule === undefined) return name !== "" && name !== "." && name !== ".." && !/[/%]/.test(name);
  if (rule === NameRule.subdomain) return isDnsSubdomain(name);
  return isDnsLabel(name) && (rule === NameRule.label || /^[a-z]/.test(name));
}

/**
 * Whether `key` is a label or annotation key: an optional DNS-subdomain prefix and `/`, then a
 * name of at most 63 alphanumerics and `-_.`, alphanumeric at both ends.
 * @see https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set
 */
export function isQualifiedName(key: string): boolean {
  const parts = key.split("/");
  if (parts.length > 2) return false;
  const name = parts.length === 2 ? (parts[1] ?? "") : key;
  if (parts.length === 2 && !isDnsSubdomain(parts[0] ?? "")) return false;
  return name.length <= 63 && /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/.test(name);
}

/** Whether `name` is an IANA service name, as port names must be (at most 15 characters). */
export function isPortName(name: string): boolean {
  return (
    name.length <= 15 &&
    /^[a-z0-9]([a-z0-9-]*[a-z0-9])?$/.test(name) &&
    /[a-z]/.test(name) &&
    !name.includes("--")
  );
}

function isRecord(value: Json | undefined): value is { [key: string]: Json } {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** The value at `path`, or undefined. */
export function valueAt(object: Json, path: FieldPath): Json | undefined {
  let current: Json | undefined = object;
  for (const segment of path) {
    if (Array.isArray(current) && typeof segment === "number") current = current[segment];
    else if (isRecord(current) && typeof segment === "string") current = current[segment];
    else return undefined;
  }
  return current;
}

const show = (value: Json): string => JSON.stringify(value);

/** Name, namespace and field rules of the object's metadata and top level. */
function metadataFindings(object: KubernetesObject, kind: string, masked: Masked): Finding[] {
  const rule = KIND_RULES[kind];
  const findings: Finding[] = [];
  const name = valueAt(object, ["metadata", "name"]);
  if (name === undefined || name === null)
    findings.push({
      path: ["metadata", "name"],
      message:
        "is required: without it Pulumi adds a random suffix, and tarsfed names every object",
    });
  else if (typeof name === "string" && !masked(name) && !followsNameRule(name, rule?.name))
    findings.push({
      path: ["metadata", "name"],
      message: `must be ${NAME_TEXT[rule?.name ?? "pathSegment"]}, got ${show(name)}`,
    });
  const namespace = valueAt(object, ["metadata", "namespace"]);
  if (typeof namespace === "string" && !masked(namespace) && !isDnsLabel(namespace))
    findings.push({
      path: ["metadata", "namespace"],
      message: `must be ${NAME_TEXT.label}, got ${show(namespace)}`,
    });
  if (namespace === undefined && rule?.namespaced === true)
    findings.push({
      path: ["metadata", "namespace"],
      message: `is required: a ${kind} is namespaced, and tarsfed never relies on the kubeconfig's default namespace`,
    });
  if (rule !== undefined) {
    const allowed = new Set(["apiVersion", "kind", "metadata", ...rule.fields]);
    for (const key of Object.keys(object).filter((k) => !allowed.has(k)))
      findings.push({
        path: [key],
        message: `unknown field: a ${kind} has only ${[...allowed].join(", ")}`,
      });
  }
  const metadata = valueAt(object, ["metadata"]);
  if (isRecord(metadata))
    for (const key of Object.keys(metadata).filter((k) => !OBJECT_META_FIELDS.has(k)))
      findings.push({ path: ["metadata", key], message: "unknown field of metadata" });
  return findings;
}

/** Label and annotation syntax in `metadata` at `at` (the object's, or a pod template's). */
function metaMapFindings(object: KubernetesObject, at: FieldPath, masked: Masked): Finding[] {
  const findings: Finding[] = [];
  const labels = valueAt(object, [...at, "labels"]);
  if (isRecord(labels)) findings.push(...labelMapFindings(labels, [...at, "labels"], masked));
  const annotations = valueAt(object, [...at, "annotations"]);
  if (isRecord(annotations))
    for (const key of Object.keys(annotations).filter((k) => !isQualifiedName(k.toLowerCase())))
      findings.push({ path: [...at, "annotations", key], message: "invalid annotation key" });
  return findings;
}

function labelMapFindings(
  labels: { [key: string]: Json },
  at: FieldPath,
  masked: Masked,
): Finding[] {
  const findings: Finding[] = [];
  for (const [key, value] of Object.entries(labels)) {
    if (!isQualifiedName(key))
      findings.push({
        path: [...at, key],
        message:
          "invalid label key: an optional DNS subdomain and /, then at most 63 of A-Z, a-z, 0-9 and -_. starting and ending with a letter or digit",
      });
    if (typeof value === "string" && !masked(value) && !isLabelValue(value))
      findings.push({
        path: [...at, key],
        message: `invalid label value: at most 63 of A-Z, a-z, 0-9 and -_. starting and ending with a letter or digit, got ${show(value)}`,
      });
  }
  return findings;
}

/** Label maps: the object's and its pod template's metadata, and the selector. */
function labelFindings(object: KubernetesObject, kind: string, masked: Masked): Finding[] {
  const template = POD_TEMPLATE_PATHS[kind];
  const findings = metaMapFindings(object, ["metadata"], masked);
  if (template !== undefined)
    findings.push(...metaMapFindings(object, [...template, "metadata"], masked));
  // A Service (and a ReplicationController) selects with a plain map, other kinds with matchLabels.
  const selectorPath: FieldPath =
    kind === "Service" || kind === "ReplicationController"
      ? ["spec", "selector"]
      : ["spec", "selector", "matchLabels"];
  const selector = valueAt(object, selectorPath);
  if (isRecord(selector)) findings.push(...labelMapFindings(selector, selectorPath, masked));
  return findings;
}

/** A port given as a number must be 1–65535; as a name (where allowed), an IANA service name. */
function portFinding(value: Json | undefined, path: FieldPath, namedAllowed: boolean): Finding[] {
  if (typeof value === "number" && Number.isInteger(value) && (value < 1 || value > 65535))
    return [{ path, message: `must be a port number from 1 to 65535, got ${value}` }];
  if (typeof value === "string" && namedAllowed && !isPortName(value))
    return [{ path, message: `must be a port number or an IANA service name, got ${show(value)}` }];
  return [];
}

const PROBES = ["livenessProbe", "readinessProbe", "startupProbe"] as const;
const PROBE_PORTS: readonly FieldPath[] = [
  ["tcpSocket", "port"],
  ["httpGet", "port"],
  ["grpc", "port"],
];

function containerPortFindings(container: Json, at: FieldPath): Finding[] {
  const findings: Finding[] = [];
  const ports = valueAt(container, ["ports"]);
  if (Array.isArray(ports))
    ports.forEach((port, i) => {
      findings.push(
        ...portFinding(
          valueAt(port, ["containerPort"]),
          [...at, "ports", i, "containerPort"],
          false,
        ),
      );
      const hostPort = valueAt(port, ["hostPort"]);
      // hostPort 0 means "no host port".
      if (hostPort !== 0)
        findings.push(...portFinding(hostPort, [...at, "ports", i, "hostPort"], false));
      const name = valueAt(port, ["name"]);
      if (typeof name === "string" && !isPortName(name))
        findings.push({
          path: [...at, "ports", i, "name"],
          message: `must be an IANA service name (at most 15 of a-z, 0-9 and "-", with a letter), got ${show(name)}`,
        });
    });
  for (const probe of PROBES)
    for (const portPath of PROBE_PORTS)
      findings.push(
        ...portFinding(valueAt(container, [probe, ...portPath]), [...at, probe, ...portPath], true),
      );
  return findings;
}

/** Port ranges in pod specs (containers and init containers) and in Service ports. */
function portFindings(object: KubernetesObject, kind: string): Finding[] {
  const findings: Finding[] = [];
  const template = POD_TEMPLATE_PATHS[kind];
  const podSpec: FieldPath | undefined =
    kind === "Pod" ? ["spec"] : template === undefined ? undefined : [...template, "spec"];
  if (podSpec !== undefined)
    for (const list of ["initContainers", "containers"]) {
      const containers = valueAt(object, [...podSpec, list]);
      if (Array.isArray(containers))
        containers.forEach((c, i) =>
          findings.push(...containerPortFindings(c, [...podSpec, list, i])),
        );
    }
  const servicePorts = kind === "Service" ? valueAt(object, ["spec", "ports"]) : undefined;
  if (Array.isArray(servicePorts))
    servicePorts.forEach((port, i) => {
      const at: FieldPath = ["spec", "ports", i];
      findings.push(...portFinding(valueAt(port, ["port"]), [...at, "port"], false));
      findings.push(...portFinding(valueAt(port, ["targetPort"]), [...at, "targetPort"], true));
      const nodePort = valueAt(port, ["nodePort"]);
      if (nodePort !== 0) findings.push(...portFinding(nodePort, [...at, "nodePort"], false));
    });
  return findings;
}

/** Whether a value is a display mask (`[secret]`, `[unknown]`): not known offline, so not checked. */
export type Masked = (value: Json | undefined) => boolean;

/** Every rule the schema lacks that `object` (of `kind`) breaks. */
export function checkBeyondSchema(
  object: KubernetesObject,
  kind: string,
  masked: Masked,
): Finding[] {
  return [
    ...metadataFindings(object, kind, masked),
    ...labelFindings(object, kind, masked),
    ...portFindings(object, kind),
  ];
}
