/**
 * Losing the home region: the procedure that brings TARS back from the standby region, as a pure,
 * ordered plan a person can read and `tarsfed failover --region <home>` runs step by step.
 *
 * The framework database is TencentDB in the serving (home) region, with a cross-region
 * disaster-recovery replica in `tars.db.standbyRegion` (the standby infra stack). The steps:
 *
 * 1. fence the old master: a one-off stack `<home>-db-fence` replaces the policy list of the
 *    database's security group (home infra output `dbSecurityGroupId`) with DROP rules, so the
 *    old master takes no connection, and no write, if the region comes back. The request goes to
 *    the lost region's VPC API and may fail while it is dark; then the procedure stops there, and
 *    goes on only with `--force`, the risk written down (README: Losing the home region);
 * 2. promote the replica: a one-off stack `<standby>-db-promote` holding the provider's
 *    `MysqlDrInstanceToMater` for the replica (standby infra output `dbDrInstanceId`), whose
 *    create is the promotion. Its request goes to the standby region
 *    (SwitchDrInstanceToMaster: "the request must be sent to the region of the disaster recovery
 *    instance", https://www.tencentcloud.com/document/product/236/39627);
 * 3. run the recovery SQL on the new master, right after the promotion and before any registry
 *    can reach it: a one-off Job in the standby region's first cluster (stack
 *    `<standby>-db-recovery`) connects to the promoted instance's own address (standby infra
 *    output `dbDrInstanceHost`), since the DNS name still points at the old master: the lost
 *    region's nodes and servers inactive, the living's heartbeats refreshed
 *    (`./region-recovery.ts`). Run after the DNS record, it would come too late: the registries
 *    reconnect by name within the record's TTL, and the registry's node check (every 60 s,
 *    TarsFramework `RegistryServer/CheckNodeThread.cpp`) marks every node whose heartbeat is as
 *    old as the outage inactive, the living too, before the Job could refresh them;
 * 4. repoint the database's DNS record: the fleet edit `tars.db.servingRegion: <standby>`, then an
 *    update of the standby infra stack targeted at the record `<fleet>-db-record`;
 * 5. roll the framework: `up` of the healthy TARS stacks rolls every registry, then the base
 *    services, because `servingRegion` changed;
 * 6. scale up the standby web: the standby TARS stack's update gives tarsweb and the query
 *    services their replicas (step 5 applies it; running it again changes nothing);
 * 7. fail the Sets over: the Set failover of the lost region (`planFailover`), in its phases.
 *
 * The one-off stacks stay out of the normal stacks: no `up` of a region ever holds a promotion,
 * and the fence is not a resource of the home infra stack, which cannot be updated while the
 * region is dark. Nothing here touches the cloud.
 */
import { listAllowed } from "../model/issues";
import { allClusters, type FleetSpec, isCreatedCluster, regionByName } from "../model/model";
import {
  FRAMEWORK_NAMESPACE,
  infraStackName,
  regionStackName,
  SERVER_NAMESPACE,
  PULUMI_PROJECT,
  topLevelUrn,
} from "../model/naming";
import { DbMode } from "../model/schema";
import {
  homeFrameworkServices,
  regionalFrameworkServices,
  regionServicesCluster,
  STANDBY_SERVICES,
} from "../tars/framework";
import { WEB } from "../k8s/web";
import { activeCluster, placeWorkloads } from "../tars/placement";
import { regionRecoveryJob } from "../k8s/region-recovery";
import { OperationError, type OperationPlan, planFailover } from "./operations";
import { isTarsStack, stackOrder } from "../stacks/slice";

/** The name `--dry-run --json` gives the procedure. */
export const HOME_FAILOVER_PROCEDURE = "home-region-failover";

/** The steps, by name, in order. */
export const HomeFailoverStep = {
  Fence: "fence-old-master",
  Promote: "promote-replica",
  RecoverySql: "recovery-sql",
  RepointDns: "repoint-dns",
  RollFramework: "roll-framework",
  StandbyWeb: "scale-up-standby-web",
  FailOverSets: "fail-over-sets",
} as const;

/** One of {@link HomeFailoverStep}. */
export type HomeFailoverStep = (typeof HomeFailoverStep)[keyof typeof HomeFailoverStep];

/** The step names in order: step `n` is `STEP_ORDER[n - 1]`. */
export const STEP_ORDER: readonly HomeFailoverStep[] = Object.values(HomeFailoverStep);

/** Outputs the procedure reads from the infra stacks (`program/outputs.ts`, `InfraOutput`). */
export const ProcedureOutput = {
  /** Home infra: the database's security group. */
  DbSecurityGroupId: "dbSecurityGroupId",
  /** Home infra: the master's instance id. */
  DbInstanceId: "dbInstanceId",
  /** Standby infra: the replica's instance id. */
  DbDrInstanceId: "dbDrInstanceId",
  /** Standby infra: the replica's intranet address. */
  DbDrInstanceHost: "dbDrInstanceHost",
  /** Standby infra: the database's DNS record. */
  DbRecordId: "dbRecordId",
  /** Standby infra: kubeconfigs by cluster name (secret). */
  Kubeconfigs: "kubeconfigs",
} as const;

/** A resource a step creates or changes. */
export interface ProcedureResource {
  readonly stack: string;
  /** Pulumi type token, e.g. `tencentcloud:index/securityGroupRuleSet:SecurityGroupRuleSet`. */
  readonly type: string;
  /** Its Pulumi name; for Kubernetes objects `<namespace>/<name> in <cluster>`. */
  readonly name: string;
  /**
   * Its URN, or a URN pattern with `**` where the parent chain is the program's business.
   *
   * @default - none: the resource is one of many a whole-stack update changes
   */
  readonly urn?: string;
}

/** A one-off Automation API program a step runs (never part of the fleet's stacks). */
export type OneOffProgram =
  | {
      readonly kind: "fence";
      readonly stack: string;
      /** The lost region's Tencent Cloud region, where the request goes. */
      readonly tencentRegion: string;
      /** The stack and output that hold the security group's id. */
      readonly from: { readonly stack: string; readonly output: string };
    }
  | {
      readonly kind: "promote";
      readonly stack: string;
      readonly tencentRegion: string;
      readonly from: { readonly stack: string; readonly output: string };
    }
  | {
      readonly kind: "recovery";
      readonly stack: string;
      /** The cluster the Job runs in: the standby region's first. */
      readonly cluster: string;
      readonly lostRegion: string;
      /** The stack and output that hold the cluster's kubeconfig, when the fleet creates it. */
      readonly from?: { readonly stack: string; readonly output: string };
    };

/** How a step acts: a one-off program, a fleet edit, engine updates, or a mix. */
export interface StepAction {
  /** The one-off program, for steps 1 to 3. */
  readonly program?: OneOffProgram;
  /** The fleet file's scalar edits, for steps 4 and 7 (path from the root, and the value). */
  readonly edits?: readonly { readonly path: readonly string[]; readonly value: string }[];
  /** An update of one stack restricted to these URN patterns (`pulumi up --target`). */
  readonly targeted?: { readonly stack: string; readonly targets: readonly string[] };
  /** Whole-stack updates, in order. */
  readonly updates?: readonly string[];
  /** The Set failover of the lost region (step 7): its plan, edits and phases included. */
  readonly setFailover?: OperationPlan;
}

/** One step of the procedure. */
export interface HomeFailoverStepPlan {
  /** 1-based position. */
  readonly n: number;
  readonly name: HomeFailoverStep;
  /** What it does, in a sentence. */
  readonly summary: string;
  /** The stacks it changes (one-off stacks included). */
  readonly stacks: readonly string[];
  readonly resources: readonly ProcedureResource[];
  /** The command a person runs for it by hand, when it is one. */
  readonly command?: string;
  /** The one-off program, described for people. */
  readonly program?: string;
  /** What a person checks before going on. */
  readonly check: string;
  /** Whether the fleet file already says this step's edit (a resumed run). */
  readonly done?: boolean;
  readonly action: StepAction;
}

/** The whole procedure. */
export interface HomeFailoverPlan {
  readonly procedure: typeof HOME_FAILOVER_PROCEDURE;
  readonly lostRegion: string;
  readonly standbyRegion: string;
  readonly steps: readonly HomeFailoverStepPlan[];
  readonly notes: readonly string[];
}

/** The one-off stacks, by role. */
export const oneOffStack = {
  fence: (home: string) => `${home}-db-fence`,
  promote: (standby: string) => `${standby}-db-promote`,
  recovery: (standby: string) => `${standby}-db-recovery`,
};

/** Type tokens of the procedure's resources (`sdks/tencentcloud`, `@pulumi/kubernetes`). */
export const ProcedureType = {
  RuleSet: "tencentcloud:index/securityGroupRuleSet:SecurityGroupRuleSet",
  Promotion: "tencentcloud:index/mysqlDrInstanceToMater:MysqlDrInstanceToMater",
  Record: "tencentcloud:index/privateDnsRecord:PrivateDnsRecord",
  ConfigMap: "kubernetes:core/v1:ConfigMap",
  Job: "kubernetes:batch/v1:Job",
  Deployment: "kubernetes:apps/v1:Deployment",
} as const;

/** The database's DNS record's Pulumi name, in the standby infra stack. */
export function dbRecordName(fleet: FleetSpec): string {
  return `${fleet.name}-db-record`;
}

/** The recovery Job's name (and its ConfigMap's). */
export const RECOVERY_JOB = "tars-region-recovery";

/** Whether `failover --region <region>` is the home-region procedure: the master's region, with a standby. */
export function isHomeFailover(fleet: FleetSpec, region: string): boolean {
  const db = fleet.tars.db;
  return (
    region === fleet.homeRegion && db.mode === DbMode.TencentDb && db.standbyRegion !== undefined
  );
}

/**
 * Why `failover --region <home>` refuses on a fleet without a database standby, or undefined for
 * any other region (which fails its Sets over as before).
 */
export function homeWithoutStandby(fleet: FleetSpec, region: string): string | undefined {
  if (region !== fleet.homeRegion || isHomeFailover(fleet, region)) return undefined;
  const db =
    fleet.tars.db.mode === DbMode.TencentDb
      ? `the framework database (TencentDB in ${region}) is lost with it, and tars.db.standbyRegion is not set, so there is no replica to promote`
      : `the framework database runs in-cluster in ${region} and is lost with it: the in-cluster mode has no standby`;
  return (
    `refused: ${region} is the home region: ${db}; failing its Sets over alone leaves every ` +
    "new or rescheduled TARS pod in every region unable to register (README: Losing the home " +
    "region). Pass --force to fail the Sets over anyway"
  );
}

const k8sName = (cluster: string, name: string, namespace = FRAMEWORK_NAMESPACE) =>
  `${namespace}/${name} in ${cluster}`;

/**
 * The procedure for losing `lostRegion`, the home region of a fleet with a database standby.
 *
 * `servingRegion` may already be the standby (a resumed run after step 4): the step is then
 * marked `done`. Throws {@link OperationError} when the region is not the home region of a fleet
 * with `tars.db.standbyRegion`.
 */
export function planHomeFailover(fleet: FleetSpec, lostRegion: string): HomeFailoverPlan {
  const db = fleet.tars.db;
  if (!fleet.regions.some((r) => r.name === lostRegion)) {
    throw new OperationError(
      `unknown region ${JSON.stringify(lostRegion)}, expected ${listAllowed(fleet.regions.map((r) => r.name))}`,
    );
  }
  if (!isHomeFailover(fleet, lostRegion) || db.mode !== DbMode.TencentDb) {
    throw new OperationError(
      homeWithoutStandby(fleet, lostRegion) ??
        `${lostRegion} is not the home region (${fleet.homeRegion}): fail its Sets over with tarsfed failover --region ${lostRegion}`,
    );
  }
  const standby = db.standbyRegion as string;
  const ctx: StepContext = { fleet, home: lostRegion, standby, servingNow: db.servingRegion };
  const builders = [fence, promote, recoverySql, repointDns, rollFramework, standbyWeb, failSets];
  return {
    procedure: HOME_FAILOVER_PROCEDURE,
    lostRegion,
    standbyRegion: standby,
    steps: builders.map((build, i) => ({ n: i + 1, ...build(ctx) })),
    notes: [
      `the replica is asynchronous: writes the old master took in the replication lag before ${lostRegion} went dark are lost`,
      `${homeOnly(fleet).join(", ")} have no standby: they stay down with ${lostRegion} until it is back or the fleet is re-protected (tarsfed reprotect)`,
    ],
  };
}

/** The home services with no standby copy (tarsnotify; tarsAdminRegistry and tarspatch with CVM pools). */
function homeOnly(fleet: FleetSpec): string[] {
  const standby: readonly string[] = STANDBY_SERVICES;
  return homeFrameworkServices(fleet)
    .map((s) => s.server)
    .filter((s) => !standby.includes(s));
}

interface StepContext {
  readonly fleet: FleetSpec;
  readonly home: string;
  readonly standby: string;
  readonly servingNow: string;
}

type StepBody = Omit<HomeFailoverStepPlan, "n">;

function fence({ fleet, home }: StepContext): StepBody {
  const stack = oneOffStack.fence(home);
  const name = `${fleet.name}-db-fence`;
  const tencentRegion = regionByName(fleet, home).tencentRegion;
  return {
    name: HomeFailoverStep.Fence,
    summary: `fence the old master: its security group drops every connection, so it takes no write if ${home} comes back`,
    stacks: [stack],
    resources: [
      {
        stack,
        type: ProcedureType.RuleSet,
        name,
        urn: topLevelUrn(stack, ProcedureType.RuleSet, name),
      },
    ],
    program:
      `one-off stack ${stack}: SecurityGroupRuleSet ${name} on the database's security group ` +
      `(${infraStackName(home)} output ${ProcedureOutput.DbSecurityGroupId}), ingress and egress ` +
      `DROP ALL 0.0.0.0/0, through the ${tencentRegion} API`,
    check:
      `the database's security group in ${tencentRegion} holds only the DROP rules. The request ` +
      `goes to ${tencentRegion}, which may not answer while ${home} is dark: then the old master ` +
      `is not fenced and comes back writable with the region; go on only with --force, and fence ` +
      `it as soon as the ${tencentRegion} API answers (--from-step ${HomeFailoverStep.Fence} ` +
      `--to-step ${HomeFailoverStep.Fence})`,
    action: {
      program: {
        kind: "fence",
        stack,
        tencentRegion,
        from: { stack: infraStackName(home), output: ProcedureOutput.DbSecurityGroupId },
      },
    },
  };
}

function promote({ fleet, standby }: StepContext): StepBody {
  const stack = oneOffStack.promote(standby);
  const name = `${fleet.name}-db-promote`;
  const tencentRegion = regionByName(fleet, standby).tencentRegion;
  return {
    name: HomeFailoverStep.Promote,
    summary: `promote the disaster-recovery replica in ${standby} to master`,
    stacks: [stack],
    resources: [
      {
        stack,
        type: ProcedureType.Promotion,
        name,
        urn: topLevelUrn(stack, ProcedureType.Promotion, name),
      },
    ],
    program:
      `one-off stack ${stack}: MysqlDrInstanceToMater ${name} for the replica ` +
      `(${infraStackName(standby)} output ${ProcedureOutput.DbDrInstanceId}), through the ` +
      `${tencentRegion} API; creating it promotes the replica`,
    check:
      `the TencentDB console in ${tencentRegion} shows the replica as a master instance (no ` +
      "longer a disaster-recovery instance) and running",
    action: {
      program: {
        kind: "promote",
        stack,
        tencentRegion,
        from: { stack: infraStackName(standby), output: ProcedureOutput.DbDrInstanceId },
      },
    },
  };
}

function repointDns({ fleet, standby, servingNow }: StepContext): StepBody {
  const stack = infraStackName(standby);
  const name = dbRecordName(fleet);
  const target = `urn:pulumi:${stack}::${PULUMI_PROJECT}::**::${name}`;
  return {
    name: HomeFailoverStep.RepointDns,
    summary: `point the database's DNS name at the new master: tars.db.servingRegion: ${standby}`,
    stacks: [stack],
    resources: [{ stack, type: ProcedureType.Record, name, urn: target }],
    command: `pulumi up --stack ${stack} --target '${target}' (after the fleet edit tars.db.servingRegion: ${standby})`,
    check:
      `the record ${name} holds the promoted instance's address (${stack} output ` +
      `${ProcedureOutput.DbDrInstanceHost}), and the database's name resolves to it from a pod in ${standby}`,
    ...(servingNow === standby ? { done: true } : {}),
    action: {
      edits: [{ path: ["tars", "db", "servingRegion"], value: standby }],
      targeted: { stack, targets: [target] },
    },
  };
}

function recoverySql({ fleet, home, standby }: StepContext): StepBody {
  const job = regionRecoveryJob(fleet, home).metadata.name ?? RECOVERY_JOB;
  const stack = oneOffStack.recovery(standby);
  const region = regionByName(fleet, standby);
  const cluster = region.clusters[0]?.name ?? "";
  const first = region.clusters[0];
  const created = first !== undefined && isCreatedCluster(first);
  return {
    name: HomeFailoverStep.RecoverySql,
    summary: `mark ${home}'s nodes and servers inactive on the new master and refresh the living's heartbeats, before any registry reaches it`,
    stacks: [stack],
    resources: [
      {
        stack,
        type: ProcedureType.Job,
        name: k8sName(cluster, job),
        urn: topLevelUrn(stack, ProcedureType.Job, RECOVERY_JOB),
      },
    ],
    program:
      `one-off stack ${stack}: Job ${job} in ${cluster} (namespace ${FRAMEWORK_NAMESPACE}) runs the recovery SQL for ${home} ` +
      `on the new master at its own address (${infraStackName(standby)} output ${ProcedureOutput.DbDrInstanceHost}: the ` +
      `database's DNS name still points at the old master until the next step)`,
    check:
      `the Job ${job} in ${cluster} completed (its log ends "region recovery applied"); tarsweb (once step 6 is done) lists ` +
      `${home}'s nodes and servers as inactive and the other regions' as active`,
    action: {
      program: {
        kind: "recovery",
        stack,
        cluster,
        lostRegion: home,
        ...(created
          ? { from: { stack: infraStackName(standby), output: ProcedureOutput.Kubeconfigs } }
          : {}),
      },
    },
  };
}

/** The healthy TARS stacks: every one but the lost region's, in deployment order. */
function healthyTarsStacks(fleet: FleetSpec, home: string): string[] {
  return stackOrder(fleet).filter((s) => isTarsStack(fleet, s) && s !== regionStackName(home));
}

function rollFramework({ fleet, home }: StepContext): StepBody {
  const stacks = healthyTarsStacks(fleet, home);
  // Only the services that load the database's address roll (tarslog needs no database).
  const services = regionalFrameworkServices(fleet)
    .filter((s) => s.usesDb)
    .map((s) => s.server.toLowerCase());
  const clusters = fleet.regions.filter((r) => r.name !== home).flatMap((r) => r.clusters);
  return {
    name: HomeFailoverStep.RollFramework,
    summary: "roll every healthy cluster's registry, then its base services, onto the new master",
    stacks,
    resources: clusters.flatMap((c) =>
      [
        "tars-registry",
        ...(regionServicesCluster(fleet, c.region) === c.name
          ? services.map((s) => `tars-${s}`)
          : []),
      ].map((name) => ({
        stack: regionStackName(c.region),
        type: ProcedureType.Deployment,
        name: k8sName(c.name, name),
      })),
    ),
    command: stacks.map((s) => `tarsfed up --stack ${s} --yes`).join(" && "),
    check:
      "in every healthy cluster the registry pods restarted and are Ready, then the base " +
      "services' (kubectl -n tars-system get pods); their logs show no database error",
    action: { updates: stacks },
  };
}

function standbyWeb({ fleet, standby }: StepContext): StepBody {
  const stack = regionStackName(standby);
  const cluster = regionByName(fleet, standby).clusters[0]?.name ?? "";
  const names = [WEB, ...STANDBY_SERVICES.map((s) => `tars-${s}`)];
  return {
    name: HomeFailoverStep.StandbyWeb,
    summary: `give tarsweb and the query services (${STANDBY_SERVICES.join(", ")}) in ${standby} their replicas`,
    stacks: [stack],
    resources: names.map((name) => ({
      stack,
      type: ProcedureType.Deployment,
      name: k8sName(cluster, name),
    })),
    command: `tarsfed up --stack ${stack} --yes (step ${STEP_ORDER.indexOf(HomeFailoverStep.RollFramework) + 1} applied it; again, it changes nothing)`,
    check: `tarsweb in ${cluster} is Ready and lists the framework's servers, with its monitoring pages (${STANDBY_SERVICES.join(", ")} Ready)`,
    action: { updates: [stack] },
  };
}

function failSets({ fleet, home }: StepContext): StepBody {
  const regionOf = new Map(allClusters(fleet).map((c) => [c.name, c.region]));
  const active = fleet.sets.filter((s) => regionOf.get(activeCluster(s)) === home);
  const base = {
    name: HomeFailoverStep.FailOverSets,
    check: `the moving Sets' Deployments (namespace ${SERVER_NAMESPACE}) are Ready in their standby clusters and take traffic`,
  };
  if (active.length === 0) {
    // A resumed run after the edit: nothing is active in the lost region any more.
    return {
      ...base,
      summary: `fail ${home}'s Sets over to their standby clusters (already: none is active in ${home})`,
      stacks: [],
      resources: [],
      // Stack by stack: `up --all` would hold the standby infra stack, refused until reprotect.
      command: healthyTarsStacks(fleet, home)
        .map((s) => `tarsfed up --stack ${s} --yes`)
        .join(" && "),
      done: true,
      action: {},
    };
  }
  const plan = planFailover(fleet, { region: home });
  const ids = new Set(plan.moving);
  const resources = placeWorkloads(plan.fleet)
    .filter((w) => ids.has(w.set.id))
    .map((w) => ({
      stack: regionStackName(regionOf.get(w.cluster) ?? ""),
      type: ProcedureType.Deployment,
      name: k8sName(w.cluster, w.name, SERVER_NAMESPACE),
    }));
  const edits = plan.changes.map((c) => `sets["${String(c.path[1])}"].failedOver: ${String(c.to)}`);
  return {
    ...base,
    summary: `fail ${home}'s Sets over to their standby clusters (${plan.moving.join(", ")})`,
    stacks: plan.stacks,
    resources,
    command: `tarsfed up --all --moving ${plan.moving.join(",")} --skip-region ${home} --yes (after the fleet edit ${edits.join(", ")})`,
    action: { setFailover: plan },
  };
}

/** The step a `--from-step`/`--to-step` value names: a number from 1 or a step name. */
export function stepIndex(text: string): number | undefined {
  const n = /^\d+$/.test(text) ? Number(text) : STEP_ORDER.indexOf(text as HomeFailoverStep) + 1;
  return n >= 1 && n <= STEP_ORDER.length ? n : undefined;
}

/**
 * The standby infra stack while it still holds the DR resource of the instance the procedure
 * promoted: `servingRegion` is the standby, and `tarsfed reprotect` has not yet swapped the home
 * region (its fleet edits make `servingRegion` the home again). Undefined otherwise.
 */
export function promotedReplicaStack(fleet: FleetSpec): string | undefined {
  const db = fleet.tars.db;
  if (db.mode !== DbMode.TencentDb || db.standbyRegion === undefined) return undefined;
  return db.servingRegion === db.standbyRegion && db.servingRegion !== fleet.homeRegion
    ? infraStackName(db.standbyRegion)
    : undefined;
}

/**
 * Why `preview`/`up` refuse `stacks` when they hold the standby infra stack of a failed-over
 * database, or undefined. The provider's read of a DR instance sets `master_instance_id` from
 * `*mysqlInfo.MasterInfo.InstanceId`, and a promoted instance has no master: any refresh, or any
 * update that touches the resource, panics (tencentcloudstack/terraform-provider-tencentcloud
 * `tencentcloud/services/cdb/resource_tc_mysql_dr_instance.go`, `resourceTencentCloudMysqlDrInstanceRead`).
 * The procedure's own update of the record runs on the engine directly, targeted, and is not
 * refused.
 */
export function promotedReplicaRefusal(
  fleet: FleetSpec,
  stacks: readonly string[],
): string | undefined {
  const stack = promotedReplicaStack(fleet);
  if (stack === undefined || !stacks.includes(stack)) return undefined;
  return (
    `refused: ${stack} still holds the DR resource of the instance tarsfed failover --region ` +
    `${fleet.homeRegion} promoted (tars.db.servingRegion: ${stack.replace(/-infra$/, "")}); the ` +
    "provider's read of a DR instance with no master crashes, so no preview or up of this stack " +
    "runs until tarsfed reprotect has taken the resource out of its state and swapped the home " +
    "region (README: Losing the home region). Select the other stacks with --stack or --region"
  );
}

/**
 * Why `up` refuses `stacks` when they hold a stack of the old home region while the database
 * serves from its standby (`servingRegion` is not `homeRegion`: after `tarsfed failover --region
 * <home>`, before `tarsfed reprotect`), or undefined. The home-only pieces run only there: the
 * home infra stack's passwords (`tars.db.passwordGeneration` is their keeper), the database Job
 * that sets them, the IDC-groups Job, tarsnotify, tarsAdminRegistry and tarspatch in the home
 * TARS stack. Nothing the procedure runs applies a password rotation or an IDC-group change, and
 * an update of the old home's stacks would apply them half (the home infra stack's rule set of
 * the fenced group is also stale until re-protection): re-protect first. `--force` goes ahead.
 */
export function oldHomeRefusal(fleet: FleetSpec, stacks: readonly string[]): string | undefined {
  const db = fleet.tars.db;
  if (db.mode !== DbMode.TencentDb || db.servingRegion === fleet.homeRegion) return undefined;
  const home = [infraStackName(fleet.homeRegion), regionStackName(fleet.homeRegion)].filter((s) =>
    stacks.includes(s),
  );
  if (home.length === 0) return undefined;
  return (
    `refused: up of ${home.join(", ")}: the database serves from ${db.servingRegion} ` +
    `(tars.db.servingRegion) since tarsfed failover --region ${fleet.homeRegion}, and the home ` +
    `region's stacks hold what has no standby: the database passwords (tars.db.passwordGeneration), ` +
    "the database and IDC-groups Jobs, tarsnotify, tarsAdminRegistry and tarspatch; a password " +
    "rotation or an IDC-group change cannot be applied until the fleet is re-protected (tarsfed " +
    "reprotect, README: Losing the home region). Pass --force to update them anyway"
  );
}
