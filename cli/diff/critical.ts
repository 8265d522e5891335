/**
 * Changes a platform cannot take without someone saying yes, whatever their share of a stack.
 *
 * The deletion guard of `tarsfed up` counts resources; these are the changes it would let
 * through that lose service or data:
 *
 * - a **node pool** replaced (an instance type change): every node of the pool goes at once;
 * - a **load balancer** replaced: a new address, which CVM machines and other regions keep in
 *   their config and never learn;
 * - a cluster's **Kubernetes provider** replaced: every object in the cluster is replaced;
 * - a **cluster**, a **VPC** or a **subnet** replaced: everything in it goes;
 * - the framework **database** replaced, deleted, moved to another zone or subnet, or created in
 *   a stack that already runs (a fresh, empty database: what a `homeRegion` change plans);
 * - **`homeRegion`** changed from the one the stack was last applied with.
 *
 * One rule set serves the real engine's preview (`tarsfed up`, from Pulumi's step events) and
 * the offline diff of two fleet files (`tarsfed diff`, from {@link stepsOfDiff}).
 */
import { ComponentType } from "../../components/registry";

/**
 * One resource operation of a preview, as Pulumi's engine reports it (Automation API's
 * `StepEventMetadata`: `op`, `urn`, `type`, `keys`, `diffs`; node_modules/@pulumi/pulumi/automation/events.d.ts).
 */
export interface ResourceStep {
  /**
   * The operation, one of Automation API's `OpType`: `create`, `update`, `delete`, `replace`,
   * `create-replacement`, `delete-replaced`, `same`, …
   */
  readonly op: string;
  readonly urn: string;
  readonly type: string;
  /**
   * Input keys whose change forces the replacement.
   *
   * @default - none named
   */
  readonly keys?: readonly string[];
  /**
   * Input keys (or dotted paths) that change.
   *
   * @default - none named
   */
  readonly diffs?: readonly string[];
}

/** What kind of resource a critical change is about. */
export const CriticalKind = {
  NodePool: "node pool",
  LoadBalancer: "load balancer",
  KubernetesProvider: "Kubernetes provider",
  Cluster: "cluster",
  Vpc: "VPC",
  Subnet: "subnet",
  Database: "database",
  HomeRegion: "homeRegion",
} as const;

/** One of {@link CriticalKind}. */
export type CriticalKind = (typeof CriticalKind)[keyof typeof CriticalKind];

/** A change that needs explicit consent. */
export interface CriticalChange {
  /**
   * What `--allow-replace` names to consent: the resource's logical name (the last part of its
   * URN), or `homeRegion`.
   */
  readonly name: string;
  /**
   * The resource's URN, which `--allow-replace` also accepts.
   *
   * @default - none: a `homeRegion` change is not one resource's
   */
  readonly urn?: string;
  readonly kind: CriticalKind;
  /** Why it matters, in a user's words. */
  readonly reason: string;
}

/** What a stack's changes are judged against. */
export interface CriticalContext {
  /** Resources the stack holds now; 0 for a new stack. */
  readonly resources: number;
  /**
   * The `homeRegion` the stack was last applied with (its `homeRegion` output).
   *
   * @default - unknown: no `homeRegion` check
   */
  readonly deployedHomeRegion?: string;
  /** The `homeRegion` of the fleet being applied. */
  readonly homeRegion: string;
}

/** The consent keyword of a `homeRegion` change. */
export const HOME_REGION_CONSENT = "homeRegion";

const MYSQL = "tencentcloud:index/mysqlInstance:MysqlInstance";
/** The standby region's disaster-recovery replica: replacing it drops the copy a home-region loss needs. */
const MYSQL_DR = "tencentcloud:index/mysqlDrInstance:MysqlDrInstance";

const KIND_BY_TYPE: Readonly<Record<string, CriticalKind>> = {
  "tencentcloud:index/kubernetesNodePool:KubernetesNodePool": CriticalKind.NodePool,
  "tencentcloud:index/clbInstance:ClbInstance": CriticalKind.LoadBalancer,
  "pulumi:providers:kubernetes": CriticalKind.KubernetesProvider,
  "tencentcloud:index/kubernetesCluster:KubernetesCluster": CriticalKind.Cluster,
  "tencentcloud:index/vpc:Vpc": CriticalKind.Vpc,
  "tencentcloud:index/subnet:Subnet": CriticalKind.Subnet,
  [MYSQL]: CriticalKind.Database,
  [MYSQL_DR]: CriticalKind.Database,
};

/** Pulumi's operations that replace a resource (`OpType` in Automation API's stack.d.ts). */
const REPLACING = new Set(["replace", "create-replacement", "delete-replaced"]);

/** Inputs of TencentDB for MySQL whose change moves the database. */
const PLACEMENT = ["availabilityZone", "subnetId"] as const;

/** Inputs of the disaster-recovery replica that name its master. */
const DR_MASTER = ["masterInstanceId", "masterRegion"] as const;

/** The resource's kind when a change to it can need consent. */
function kindOf(step: ResourceStep): CriticalKind | undefined {
  const kind = KIND_BY_TYPE[step.type];
  if (kind !== undefined) return kind;
  // The in-cluster database: the TarsDatabase component's StatefulSet (its URN's type chain).
  if (
    step.type === "kubernetes:apps/v1:StatefulSet" &&
    step.urn.includes(`::${ComponentType.TarsDatabase}$`)
  )
    return CriticalKind.Database;
  return undefined;
}

/** The logical name of a resource: the last `::` part of its URN. */
export function nameOfUrn(urn: string): string {
  return urn.slice(urn.lastIndexOf("::") + 2);
}

/** Whether `diffs` names `key` itself or a path under it. */
function changes(diffs: readonly string[] | undefined, key: string): boolean {
  return (diffs ?? []).some((d) => d === key || d.startsWith(`${key}.`) || d.startsWith(`${key}[`));
}

const REPLACE_REASON: Readonly<Record<CriticalKind, string>> = {
  [CriticalKind.NodePool]: "every node of the pool goes at once",
  [CriticalKind.LoadBalancer]:
    "it gets a new address, which CVM machines and other regions do not learn",
  [CriticalKind.KubernetesProvider]: "every object in the cluster is replaced with it",
  [CriticalKind.Cluster]: "every workload in it goes",
  [CriticalKind.Vpc]: "everything in the region's network goes",
  [CriticalKind.Subnet]: "every node and pod address in it goes",
  [CriticalKind.Database]: "a new, empty framework database replaces the one every registry uses",
  [CriticalKind.HomeRegion]: "",
};

function replaceReason(kind: CriticalKind, keys: readonly string[] | undefined): string {
  const why =
    keys !== undefined && keys.length > 0 ? ` (${keys.join(", ")} cannot change in place)` : "";
  return `replaced${why}: ${REPLACE_REASON[kind]}`;
}

/** Why one step of a resource of `kind` needs consent, or undefined when it does not. */
function reasonOf(step: ResourceStep, kind: CriticalKind, context: CriticalContext) {
  if (REPLACING.has(step.op)) return replaceReason(kind, step.keys);
  if (kind !== CriticalKind.Database) return undefined;
  if (step.op === "delete" && step.type === MYSQL_DR)
    return "deleted: the standby copy that a loss of the home region needs goes with it";
  if (step.op === "delete")
    return "deleted: the platform's registrations, configs and history go with it";
  // A new replica copies the master: only a new master starts empty.
  if (step.op === "create" && context.resources > 0 && step.type !== MYSQL_DR)
    return (
      "created in a stack that already runs: a fresh, empty framework database " +
      "(is homeRegion changing?)"
    );
  const moved = PLACEMENT.filter((key) => changes(step.diffs, key));
  if (step.op === "update" && step.type === MYSQL && moved.length > 0)
    return `moves to another zone or subnet (${moved.join(", ")} change)`;
  // The provider's update refuses these ("argument `...` cannot be modified for now",
  // terraform-provider-tencentcloud tencentcloud/services/cdb/resource_tc_mysql_dr_instance.go).
  const master = DR_MASTER.filter((key) => changes(step.diffs, key));
  if (step.op === "update" && step.type === MYSQL_DR && master.length > 0)
    return `would follow another master (${master.join(", ")} change), which the provider cannot do in place: re-protect instead (README: Losing the home region)`;
  return undefined;
}

/**
 * The changes of one stack that need consent: its resources' steps first, in step order, then
 * a `homeRegion` change. Steps of one resource (a replacement's create and delete) count once.
 */
export function criticalChanges(
  steps: readonly ResourceStep[],
  context: CriticalContext,
): CriticalChange[] {
  const found = new Map<string, CriticalChange>();
  for (const step of steps) {
    const kind = kindOf(step);
    if (kind === undefined || found.has(step.urn)) continue;
    const reason = reasonOf(step, kind, context);
    if (reason !== undefined)
      found.set(step.urn, { name: nameOfUrn(step.urn), urn: step.urn, kind, reason });
  }
  const changes = [...found.values()];
  const deployed = context.deployedHomeRegion;
  if (deployed !== undefined && deployed !== "" && deployed !== context.homeRegion)
    changes.push({
      name: HOME_REGION_CONSENT,
      kind: CriticalKind.HomeRegion,
      reason:
        `changes from ${deployed}, which this stack was applied with, to ${context.homeRegion}: ` +
        `the new home plans a fresh, empty framework database and its own tarsweb, and the CCN ` +
        `moves to its region`,
    });
  return changes;
}

/** Whether `allowed` (the `--allow-replace` values) consents to `change`. */
export function consented(change: CriticalChange, allowed: readonly string[]): boolean {
  return (
    allowed.includes(change.name) || (change.urn !== undefined && allowed.includes(change.urn))
  );
}

/**
 * Why `up` of `stack` must not apply `changes` without more consent, or undefined when every one
 * is consented to: each change not consented to on a line of its own, then the flags to pass.
 */
export function consentRefusal(
  stack: string,
  changes: readonly CriticalChange[],
  allowed: readonly string[],
): string | undefined {
  const missing = changes.filter((c) => !consented(c, allowed));
  if (missing.length === 0) return undefined;
  return consentText(`up of ${stack} needs`, missing, [
    `review with \`tarsfed preview --stack ${stack}\`, then pass`,
    "to go ahead",
  ]);
}

/** What `up` of `stack` will need consent for, as a preview says it; undefined for nothing. */
export function consentNotice(
  stack: string,
  changes: readonly CriticalChange[],
): string | undefined {
  if (changes.length === 0) return undefined;
  return consentText(`up of ${stack} will need`, changes, ["pass", "to tarsfed up to go ahead"]);
}

/** `<lead> consent for …:`, a line per change, then the flags between `around`'s two parts. */
function consentText(
  lead: string,
  changes: readonly CriticalChange[],
  around: readonly [string, string],
): string {
  const one = changes.length === 1;
  const lines = changes.map((c) => `  ${c.name} (${c.kind}): ${c.reason}`);
  const flags = [...new Set(changes.map((c) => `--allow-replace ${c.name}`))].join(" ");
  return [
    `${lead} consent for ${one ? "a change" : `${changes.length} changes`} that ${one ? "loses" : "lose"} service or data:`,
    ...lines,
    `${around[0]} ${flags} ${around[1]}`,
  ].join("\n");
}
