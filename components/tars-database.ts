/**
 * The framework database in the home region, and the Job that prepares its schemas.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tencentcloud from "@pulumi/tencentcloud";
import { DbMode } from "../fleet/schema";
import { type DbSpec, type FleetSpec } from "../fleet/model";
import { CloudTag, FRAMEWORK_NAMESPACE, physicalName } from "../fleet/naming";
import {
  DB_ADMIN_USER,
  DB_INIT_SECRET,
  type DbInitEnv,
  dbClientImage,
  dbInitConfigMap,
  dbInitJob,
  IN_CLUSTER_DB,
  inClusterDbServices,
  inClusterDbStatefulSet,
  MYSQL_PORT,
} from "../fleet/k8s/database";
import { inClusterDbPolicy } from "../fleet/k8s/network-policies";
import { frameworkLabels } from "../fleet/k8s/servers";
import { type DbConnection } from "./tars-framework";
import { type ClusterRef } from "./tke-cluster";
import { ComponentType } from "./registry";
import { TarsIdcGroups } from "./tars-idc-groups";
import { createInternalLoadBalancer } from "./internal-load-balancer";
import {
  configMapArgs,
  jobArgs,
  networkPolicyArgs,
  serviceArgs,
  statefulSetArgs,
} from "./k8s-args";

/** Arguments of {@link TarsDatabase}. */
export interface TarsDatabaseArgs {
  readonly fleet: FleetSpec;
  /** The home region's first cluster: it runs the init Job (and the in-cluster database). */
  readonly cluster: ClusterRef;
  readonly vpcId: pulumi.Input<string>;
  /** Node subnet of the database (TencentDB) or its CLB (in-cluster). */
  readonly subnetId: pulumi.Input<string>;
  /** Zone of `subnetId`. */
  readonly availabilityZone: string;
  /**
   * The database's own security group, TencentDB's or the in-cluster database's CLB's: MySQL from
   * the fleet only.
   */
  readonly securityGroupId: pulumi.Input<string>;
}

// TencentDB passwords need 8-64 characters of at least two kinds; these avoid shell and SQL quoting.
const PASSWORD = {
  length: 24,
  special: true,
  overrideSpecial: "_-",
  minUpper: 2,
  minLower: 2,
  minNumeric: 2,
  minSpecial: 1,
};

/**
 * The database every registry and framework service shares.
 *
 * TencentDB for MySQL 5.7 by default (no public access), or a StatefulSet with a volume
 * (`tars.db.mode: in-cluster`). Either is protected and kept when removed from the program: the
 * database is the platform's memory. The init Job then creates what is missing, never dropping.
 */
export class TarsDatabase extends pulumi.ComponentResource {
  /** How other clusters connect, as the framework user. */
  public readonly connection: DbConnection;
  public readonly initJob: k8s.batch.v1.Job;
  /** The fleet's regions as TARS IDC groups, written once the schema is there. */
  public readonly idcGroups: TarsIdcGroups;

  constructor(name: string, args: TarsDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.TarsDatabase, name, {}, opts);
    const passwords = createPasswords(name, this);
    const namespace = args.cluster.namespaces[FRAMEWORK_NAMESPACE];
    const k8sOpts: K8sOptions = {
      parent: this,
      provider: args.cluster.k8sProvider,
      dependsOn: namespace === undefined ? [] : [namespace],
    };
    const db = args.fleet.tars.db;
    let database: DatabaseServer;
    let secret: k8s.core.v1.Secret;
    if (db.mode === DbMode.TencentDb) {
      database = createTencentDb(name, args, db, passwords.root, this);
      secret = createInitSecret(name, database.host, passwords, k8sOpts);
    } else {
      // The Job reaches an in-cluster database by its Service, and MySQL reads its root password
      // from the same Secret, so the Secret comes first.
      secret = createInitSecret(name, IN_CLUSTER_DB_HOST, passwords, k8sOpts);
      database = createInClusterDb(name, args, db, secret, k8sOpts, this);
    }
    this.initJob = createInitJob(name, args, [database.server, secret], k8sOpts);
    this.idcGroups = new TarsIdcGroups(
      `${name}-idc-groups`,
      { fleet: args.fleet, cluster: args.cluster, after: [...k8sOpts.dependsOn, this.initJob] },
      { parent: this },
    );
    this.connection = {
      host: database.host,
      port: MYSQL_PORT,
      user: DB_ADMIN_USER,
      password: passwords.admin.result,
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

const IN_CLUSTER_DB_HOST = `${IN_CLUSTER_DB}.${FRAMEWORK_NAMESPACE}.svc.cluster.local`;

function createPasswords(name: string, parent: pulumi.Resource) {
  return {
    root: new random.RandomPassword(`${name}-root-password`, PASSWORD, { parent }),
    admin: new random.RandomPassword(`${name}-admin-password`, PASSWORD, { parent }),
  };
}

function createTencentDb(
  name: string,
  args: TarsDatabaseArgs,
  db: Extract<DbSpec, { mode: "tencentdb" }>,
  rootPassword: random.RandomPassword,
  parent: pulumi.Resource,
): DatabaseServer {
  const mysql = new tencentcloud.MysqlInstance(
    `${name}-mysql`,
    {
      instanceName: physicalName("mysql", [args.fleet.name, "tars"]),
      engineVersion: db.engineVersion,
      memSize: db.memoryMb,
      volumeSize: db.storageGb,
      chargeType: "POSTPAID",
      vpcId: args.vpcId,
      subnetId: args.subnetId,
      availabilityZone: args.availabilityZone,
      securityGroups: [args.securityGroupId],
      internetService: 0,
      intranetPort: MYSQL_PORT,
      rootPassword: rootPassword.result,
      tags: { [CloudTag.fleet]: args.fleet.name },
    },
    { parent, ...STATEFUL },
  );
  return { host: mysql.intranetIp, server: mysql };
}

function createInitSecret(
  name: string,
  dbHost: pulumi.Input<string>,
  passwords: ReturnType<typeof createPasswords>,
  k8sOpts: K8sOptions,
): k8s.core.v1.Secret {
  return new k8s.core.v1.Secret(
    `${name}-init-secret`,
    {
      metadata: {
        name: DB_INIT_SECRET,
        namespace: FRAMEWORK_NAMESPACE,
        labels: frameworkLabels(DB_INIT_SECRET).labels,
      },
      type: "Opaque",
      stringData: {
        DB_HOST: dbHost,
        DB_PORT: String(MYSQL_PORT),
        DB_USER: DB_ADMIN_USER,
        DB_PASS: passwords.admin.result,
        ROOT_PASSWORD: passwords.root.result,
      } satisfies Record<DbInitEnv, pulumi.Input<string>>,
    },
    k8sOpts,
  );
}

function createInClusterDb(
  name: string,
  args: TarsDatabaseArgs,
  db: Extract<DbSpec, { mode: "in-cluster" }>,
  secret: k8s.core.v1.Secret,
  k8sOpts: K8sOptions,
  parent: pulumi.Resource,
): DatabaseServer {
  const policy = new k8s.networking.v1.NetworkPolicy(
    `${name}-network-policy`,
    networkPolicyArgs(inClusterDbPolicy(args.fleet, args.cluster.name)),
    k8sOpts,
  );
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
  // The other regions' registries reach the database through the home cluster's CLB.
  const lb = createInternalLoadBalancer(
    name,
    {
      fleetName: args.fleet.name,
      cluster: args.cluster.name,
      role: IN_CLUSTER_DB,
      service: external,
      vpcId: args.vpcId,
      subnetId: args.subnetId,
      securityGroupId: args.securityGroupId,
      // Direct access keeps the registries' own addresses, which the nodes' group would check
      // against its own region only: the database's group decides instead (fleet/security.ts).
      passToTarget: true,
    },
    parent,
    k8sOpts,
  );
  return { host: lb.address, server: statefulSet };
}

/**
 * The schema Job, once the database answers. Pulumi waits for a Job to complete, so the
 * registries that depend on this component start against a ready schema.
 */
function createInitJob(
  name: string,
  args: TarsDatabaseArgs,
  after: pulumi.Resource[],
  k8sOpts: K8sOptions,
): k8s.batch.v1.Job {
  const script = new k8s.core.v1.ConfigMap(
    `${name}-init-script`,
    configMapArgs(dbInitConfigMap()),
    k8sOpts,
  );
  const { frameworkImage, db } = args.fleet.tars;
  return new k8s.batch.v1.Job(
    `${name}-init`,
    jobArgs(dbInitJob(frameworkImage, dbClientImage(db))),
    {
      ...k8sOpts,
      dependsOn: [...k8sOpts.dependsOn, ...after, script],
    },
  );
}
