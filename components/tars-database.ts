/**
 * The framework database's Kubernetes side, in the home TARS stack: the Job that prepares its
 * schemas and, in `in-cluster` mode, the database itself. Its cloud side (passwords, TencentDB)
 * is `TarsDatabaseInstance`, in the home infra stack.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { DbMode } from "../fleet/model/schema";
import { type DbSpec, type FleetSpec } from "../fleet/model/model";
import { FRAMEWORK_NAMESPACE } from "../fleet/model/naming";
import {
  DB_INIT_SECRET,
  type DB_INIT_SECRET_KEYS,
  type DbInitEnv,
  dbClientImage,
  dbInitConfigMap,
  dbInitJob,
  inClusterDbServices,
  inClusterDbStatefulSet,
} from "../fleet/k8s/database";
import { DB_ADMIN_USER, IN_CLUSTER_DB_HOST, MYSQL_PORT } from "../fleet/k8s/db-config";
import { dbConfigData, dbConfigEnv, jobDbHost } from "../fleet/k8s/db-config";
import { inClusterDbPolicy } from "../fleet/k8s/network-policies";
import { frameworkLabels } from "../fleet/k8s/servers";
import { type DbConnection } from "./tars-framework";
import { type ClusterRef } from "./tke-cluster";
import { ComponentType } from "./registry";
import { TarsIdcGroups } from "./tars-idc-groups";
import { createLbService, type LoadBalancerRef } from "./internal-load-balancer";
import { secretDataHash } from "./secret-hashes";
import { configMapArgs, networkPolicyArgs, serviceArgs, statefulSetArgs } from "./k8s-args";

/** Arguments of {@link TarsDatabase}. */
export interface TarsDatabaseArgs {
  readonly fleet: FleetSpec;
  /** The home region's first cluster: it runs the init Job (and the in-cluster database). */
  readonly cluster: ClusterRef;
  /** The database's passwords and, for TencentDB, its address (`TarsDatabaseInstance`). */
  readonly instance: DatabaseInstanceRef;
  /**
   * The CLB other regions reach an in-cluster database through (the home infra stack's).
   *
   * @default - none (the home cluster is existing): other regions are given the database's
   *   in-cluster name
   */
  readonly lb?: LoadBalancerRef;
}

/**
 * The database's cloud side as the TARS stack reads it: its passwords, from the home infra
 * stack's outputs. TencentDB's host is not read from there: clients use its DNS name
 * (`fleet/network/database-dns.ts`), which the fleet file decides.
 */
export interface DatabaseInstanceRef {
  /** Secret. */
  readonly rootPassword: pulumi.Input<string>;
  /** The framework user's password. Secret. */
  readonly adminPassword: pulumi.Input<string>;
}

/**
 * The database every registry and framework service shares.
 *
 * TencentDB for MySQL 5.7 by default (no public access, created by the infra stack), or a
 * StatefulSet with a volume (`tars.db.mode: in-cluster`). Either is protected and kept when
 * removed from the program: the database is the platform's memory. The init Job then creates what
 * is missing, never dropping.
 */
export class TarsDatabase extends pulumi.ComponentResource {
  /** How other clusters connect, as the framework user. */
  public readonly connection: DbConnection;
  public readonly initJob: k8s.batch.v1.Job;
  /** The fleet's regions as TARS IDC groups, written once the schema is there. */
  public readonly idcGroups: TarsIdcGroups;

  constructor(name: string, args: TarsDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.TarsDatabase, name, {}, opts);
    const passwords = args.instance;
    const namespace = args.cluster.namespaces[FRAMEWORK_NAMESPACE];
    const k8sOpts: K8sOptions = {
      parent: this,
      provider: args.cluster.k8sProvider,
      dependsOn: namespace === undefined ? [] : [namespace],
    };
    const db = args.fleet.tars.db;
    // TencentDB by its DNS name, the in-cluster database by its Service: a name, never an address.
    const jobHost = jobDbHost(args.fleet);
    const secret = createInitSecret(name, jobHost, passwords, k8sOpts);
    let database: DatabaseServer;
    if (db.mode === DbMode.TencentDb) {
      // TencentDB is the infra stack's, applied before this one: the Job waits for its Secret.
      database = { host: pulumi.output(jobHost), server: secret.secret };
    } else {
      // MySQL reads its root password from the Job's Secret, so the Secret comes first.
      database = createInClusterDb(name, args, db, secret.secret, k8sOpts);
    }
    this.initJob = createInitJob(
      name,
      args,
      { host: jobHost, hash: secret.hash },
      [database.server, secret.secret],
      k8sOpts,
    );
    this.idcGroups = new TarsIdcGroups(
      `${name}-idc-groups`,
      { fleet: args.fleet, cluster: args.cluster, after: [...k8sOpts.dependsOn, this.initJob] },
      { parent: this },
    );
    this.connection = {
      host: database.host,
      port: MYSQL_PORT,
      user: DB_ADMIN_USER,
      password: pulumi.secret(passwords.adminPassword),
    };
    this.registerOutputs({ host: database.host, port: MYSQL_PORT, user: DB_ADMIN_USER });
  }
}

/** Options of the component's Kubernetes objects: parent, cluster provider, namespace first. */
interface K8sOptions {
  readonly parent: pulumi.Resource;
  readonly provider: pulumi.ProviderResource;
  readonly dependsOn: pulumi.Resource[];
}

/** Where the database runs and what to wait for. */
interface DatabaseServer {
  readonly host: pulumi.Output<string>;
  readonly server: pulumi.Resource;
}

const STATEFUL = { protect: true, retainOnDelete: true };

/**
 * The init Job's Secret, and the hash of the Job's whole environment: the Secret's passwords and
 * the plain host, port and user the Job is given beside it.
 */
interface InitSecret {
  readonly secret: k8s.core.v1.Secret;
  readonly hash: pulumi.Output<string>;
}

function createInitSecret(
  name: string,
  dbHost: string,
  passwords: DatabaseInstanceRef,
  k8sOpts: K8sOptions,
): InitSecret {
  const stringData = {
    DB_PASS: pulumi.secret(passwords.adminPassword),
    ROOT_PASSWORD: pulumi.secret(passwords.rootPassword),
  } satisfies Record<(typeof DB_INIT_SECRET_KEYS)[number], pulumi.Input<string>>;
  const env = { ...dbConfigData(dbHost), ...stringData } satisfies Record<
    DbInitEnv,
    pulumi.Input<string>
  >;
  const secret = new k8s.core.v1.Secret(
    `${name}-init-secret`,
    {
      metadata: {
        name: DB_INIT_SECRET,
        namespace: FRAMEWORK_NAMESPACE,
        labels: frameworkLabels(DB_INIT_SECRET).labels,
      },
      type: "Opaque",
      stringData,
    },
    k8sOpts,
  );
  return { secret, hash: secretDataHash(env) };
}

function createInClusterDb(
  name: string,
  args: TarsDatabaseArgs,
  db: Extract<DbSpec, { mode: "in-cluster" }>,
  secret: k8s.core.v1.Secret,
  k8sOpts: K8sOptions,
): DatabaseServer {
  const policy = new k8s.networking.v1.NetworkPolicy(
    `${name}-network-policy`,
    networkPolicyArgs(inClusterDbPolicy(args.fleet, args.cluster.name)),
    k8sOpts,
  );
  // No secret-hash annotation, so a rotation doesn't restart the database: MySQL reads
  // MYSQL_ROOT_PASSWORD only when it initialises an empty data directory ("none of the variables
  // below will have any effect if you start the container with a data directory that already
  // contains a database", https://hub.docker.com/_/mysql, Environment Variables).
  const statefulSet = new k8s.apps.v1.StatefulSet(
    `${name}-statefulset`,
    statefulSetArgs(inClusterDbStatefulSet(db)),
    {
      ...k8sOpts,
      ...STATEFUL,
      dependsOn: [...k8sOpts.dependsOn, secret, policy],
    },
  );
  const [local, external] = inClusterDbServices();
  new k8s.core.v1.Service(`${name}-service`, serviceArgs(local), k8sOpts);
  // The other regions' registries reach the database through the home cluster's CLB; an
  // existing home cluster has none, and its database is known by its in-cluster name only.
  if (args.lb === undefined)
    return { host: pulumi.output(IN_CLUSTER_DB_HOST), server: statefulSet };
  createLbService(name, external, args.lb, k8sOpts);
  return { host: pulumi.output(args.lb.address), server: statefulSet };
}

/**
 * The schema Job, once the database answers. Pulumi waits for a Job to complete, so the
 * registries that depend on this component start against a ready schema.
 *
 * Its name carries the hash of its Secret (`dbInitJobName`): rotated credentials replace it with
 * a new Job, which sets the framework user's new password before the registries, which depend on
 * this component, roll onto it. While a password is unknown (a preview creating it), so are the
 * Job's name and spec.
 */
function createInitJob(
  name: string,
  args: TarsDatabaseArgs,
  env: { readonly host: string; readonly hash: pulumi.Output<string> },
  after: pulumi.Resource[],
  k8sOpts: K8sOptions,
): k8s.batch.v1.Job {
  const script = new k8s.core.v1.ConfigMap(
    `${name}-init-script`,
    configMapArgs(dbInitConfigMap()),
    k8sOpts,
  );
  const { frameworkImage, db } = args.fleet.tars;
  const dbEnv = dbConfigEnv(env.host);
  const job = (hash: string) => dbInitJob(frameworkImage, dbClientImage(db), hash, dbEnv);
  const secretHash = env.hash;
  // The manifest's fields as outputs of the hash; cast as `k8s-args.ts` casts a whole manifest.
  const manifest = {
    apiVersion: "batch/v1",
    kind: "Job",
    metadata: secretHash.apply((hash) => job(hash).metadata),
    spec: secretHash.apply((hash) => job(hash).spec),
  } as unknown as k8s.batch.v1.JobArgs;
  return new k8s.batch.v1.Job(`${name}-init`, manifest, {
    ...k8sOpts,
    dependsOn: [...k8sOpts.dependsOn, ...after, script],
  });
}
