/**
 * Secrets (database passwords, kubeconfigs, keys) never in plain environment values or ConfigMaps.
 *
 * Environment values and ConfigMaps are readable by anyone who can read the Deployment or the
 * ConfigMap, and they show up in `kubectl describe`, in the Pulumi state in clear and in diffs.
 * Secrets belong in a Secret, referenced with `valueFrom.secretKeyRef` or `envFrom.secretRef`,
 * as the framework's database credentials are. A Pulumi secret copied into a plain field shows as
 * `[secret]` in the offline plan: exactly the leak this rule catches. During a real preview the
 * values are plain text, so only names and recognisable shapes (PEM keys, kubeconfigs) are caught.
 * @see https://kubernetes.io/docs/concepts/configuration/secret/#using-secrets-as-environment-variables
 */
import { containersOf, objectName, type ContainerView } from "../k8s";
import { at, entries, isRecord, items, text, type Props } from "../props";
import { EnforcementLevel, isUnknown, SECRET_PLACEHOLDER, type ResourceRule } from "../rule";
import { K8sType, WORKLOAD_TYPES } from "../tokens";

/** Names of variables and keys that hold secrets. */
export const SECRET_NAME = /PASS|PASSWORD|SECRET|TOKEN|KEY|KUBECONFIG/i;

/** Why a value looks like a secret itself, if it does. */
export function secretShape(value: unknown): string | undefined {
  const s = text(value);
  if (s === undefined) return undefined;
  if (s === SECRET_PLACEHOLDER) return "holds a Pulumi secret in clear";
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(s)) return "holds a private key";
  if (/\bkind:\s*"?Config"?/.test(s) && /\bclusters:/.test(s) && /\busers:/.test(s))
    return "holds a kubeconfig";
  return undefined;
}

/** Why a container's literal environment values leak secrets. */
export function envSecretProblems(container: ContainerView): string[] {
  return items(at(container.props, "env")).flatMap((entry) => {
    if (!isRecord(entry) || !("value" in entry)) return [];
    const name = text(entry.name) ?? "(unnamed)";
    const shape = secretShape(entry.value);
    if (shape === undefined && !SECRET_NAME.test(name)) return [];
    const why = shape ?? "looks like a secret by its name";
    return [
      `container ${container.name}: environment variable ${name} ${why}; take it from a Secret with valueFrom.secretKeyRef`,
    ];
  });
}

/** Why a ConfigMap's inputs leak secrets. */
export function configMapSecretProblems(props: Props): string[] {
  const where = `ConfigMap ${objectName(props)}`;
  return ["data", "binaryData"].flatMap((field) => {
    const data = at(props, field);
    if (isUnknown(data)) return [];
    if (data === SECRET_PLACEHOLDER)
      return [`${where}: ${field} holds a Pulumi secret in clear; use a Secret`];
    return entries(data).flatMap(([key, value]) => {
      const shape = secretShape(value);
      if (shape !== undefined) return [`${where}: key ${key} ${shape}; use a Secret`];
      if (SECRET_NAME.test(key))
        return [`${where}: key ${key} looks like a secret by its name; use a Secret`];
      return [];
    });
  });
}

/** The rule. */
export const noPlaintextSecrets: ResourceRule = {
  kind: "resource",
  name: "no-plaintext-secrets",
  description:
    "Passwords, tokens, keys and kubeconfigs are never plain environment values or ConfigMap data.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: [...WORKLOAD_TYPES, K8sType.ConfigMap],
  check: (resource) =>
    resource.type === K8sType.ConfigMap
      ? configMapSecretProblems(resource.props)
      : containersOf(resource).flatMap(envSecretProblems),
};
