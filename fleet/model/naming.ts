/**
 * Every name the platform gives to things: cloud resources, Kubernetes objects and labels.
 *
 * Names are pure functions of the fleet file, so plans and diffs are stable: no random suffixes.
 * The validator calls the same functions, so a name Kubernetes or Tencent Cloud would reject is
 * reported against the fleet file before anything is planned.
 */
import { createHash } from "node:crypto";

/** Namespace of the TARS framework in every cluster (K8STARS' default `TARS_NAMESPACE`). */
export const FRAMEWORK_NAMESPACE = "tars-system";

/** Namespace of the TARS servers in every cluster. */
export const SERVER_NAMESPACE = "tars";

/** The value of `app.kubernetes.io/managed-by` on everything this project creates. */
export const MANAGED_BY = "tarsfed";

/** Label keys used on TARS workloads; selectors use the same keys. */
export const Labels = {
  name: "app.kubernetes.io/name",
  partOf: "app.kubernetes.io/part-of",
  component: "app.kubernetes.io/component",
  managedBy: "app.kubernetes.io/managed-by",
  tarsApplication: "tarsfed.io/application",
  tarsServer: "tarsfed.io/server",
  tarsSet: "tarsfed.io/set",
  role: "tarsfed.io/role",
} as const;

/** Tag keys on Tencent Cloud resources: what fleet, region, cluster or pool a resource serves. */
export const CloudTag = {
  fleet: "tarsfed-fleet",
  region: "tarsfed-region",
  cluster: "tarsfed-cluster",
  cvmPool: "tarsfed-cvm-pool",
} as const;

/**
 * Name limits of Tencent Cloud resources, in characters.
 *
 * From the provider's validators (terraform-provider-tencentcloud v1.83.25): VPC, subnet,
 * security group, CCN and CLB names are 1-60; node pool names at most 25; TKE cluster names
 * 1-50; CVM instance names 2-128 and hostnames 2-60; MySQL instance names 1-100; placement
 * group names 1-60 (`resource_tc_placement_group.go`).
 */
export const PhysicalNameLimit = {
  vpc: 60,
  subnet: 60,
  securityGroup: 60,
  ccn: 60,
  clb: 60,
  nodePool: 25,
  cluster: 50,
  instance: 128,
  hostname: 60,
  mysql: 100,
  placementGroup: 60,
} as const;

/** A kind of named Tencent Cloud resource. */
export type PhysicalNameKind = keyof typeof PhysicalNameLimit;

/** Six base-36 characters that identify `text`; stable across runs and machines. */
export function stableHash(text: string): string {
  const digest = createHash("sha256").update(text).digest();
  return (digest.readUInt32BE(0) % 36 ** 6).toString(36).padStart(6, "0");
}

/** Lowercases and replaces every run of characters outside `[a-z0-9-]` with one dash. */
export function toDnsLabelish(text: string): string {
  return text
    .toLowerCase()
    .replace(/[^a-z0-9-]+/g, "-")
    .replace(/-+/g, "-")
    .replace(/^-|-$/g, "");
}

/**
 * The cloud name of a resource: `<fleet>-<parts…>`, lowercase, within the kind's limit.
 *
 * A name that would be too long is cut and ends in a 6-character hash of the full name, so it
 * stays unique and stable.
 *
 * @example physicalName("nodePool", ["demo", "gz1", "general"]) === "demo-gz1-general"
 */
export function physicalName(kind: PhysicalNameKind, parts: readonly string[]): string {
  const full = toDnsLabelish(parts.join("-"));
  const limit = PhysicalNameLimit[kind];
  if (full.length <= limit) return full;
  const hash = stableHash(full);
  return `${full.slice(0, limit - hash.length - 1).replace(/-+$/, "")}-${hash}`;
}

/** Whether `name` is a Kubernetes DNS-1123 label (RFC 1123, at most 63 characters). */
export function isDnsLabel(name: string): boolean {
  return name.length <= 63 && /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/.test(name);
}

/** Whether `value` is a valid Kubernetes label value (at most 63, alphanumerics, `-_.` inside). */
export function isLabelValue(value: string): boolean {
  return value.length <= 63 && /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/.test(value);
}

/**
 * A Set id as a label value and name part: `*` is not allowed in labels, so the wildcard group
 * becomes `all` (a real group is digits, so it can't clash): `shop.cd.*` → `shop.cd.all`.
 */
export function setLabelValue(setId: string): string {
  return setId.replace("*", "all");
}

/**
 * Name of the Deployment (and its PDB and ConfigMap) running `App.Server` for one Set.
 *
 * `Pay.GatewayServer` + `shop.cd.*` → `pay-gatewayserver-shop-cd-all`. App and server names hold
 * only letters and digits and Set parts no dashes, so different inputs give different names,
 * except for letter case, which the validator rejects.
 */
export function deploymentName(serverId: string, setId: string): string {
  return toDnsLabelish(`${serverId}.${setLabelValue(setId)}`);
}

/** Value of `app.kubernetes.io/name` for a TARS server: `TestApp.HelloServer` → `testapp-helloserver`. */
export function serverLabelName(serverId: string): string {
  return toDnsLabelish(serverId);
}

/** The TARS stack of one region: its Kubernetes objects (framework, Set Deployments, Jobs). */
export function regionStackName(region: string): string {
  return region;
}

/** What a region's infra stack name adds to the region's name. */
export const INFRA_STACK_SUFFIX = "-infra";

/**
 * The infra stack of one region: its cloud resources (network, clusters, node pools, load
 * balancers, CVM pools, the framework database).
 */
export function infraStackName(region: string): string {
  return `${region}${INFRA_STACK_SUFFIX}`;
}

/** The Pulumi project (`Pulumi.yaml`, `name`): the second part of every URN. */
export const PULUMI_PROJECT = "tars-federation";

/** The URN of a resource of `stack` whose parent is the stack itself. */
export function topLevelUrn(stack: string, type: string, name: string): string {
  return `urn:pulumi:${stack}::${PULUMI_PROJECT}::${type}::${name}`;
}

/** The stack holding fleet-wide resources (CCN and its bandwidth limits). */
export const GLOBAL_STACK = "global";
