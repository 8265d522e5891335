/**
 * The framework database in the home region, and the Job that prepares its schemas.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tencentcloud from "@pulumi/tencentcloud";
import { DbMode } from "../fleet/schema";
import { type FleetSpec } from "../fleet/model";
import { FRAMEWORK_NAMESPACE, physicalName } from "../fleet/naming";
import {
  DB_ADMIN_USER,
  DB_INIT_SECRET,
  dbInitConfigMap,
  dbInitJob,
  IN_CLUSTER_DB,
  inClusterDbServices,
  inClusterDbStatefulSet,
  MYSQL_PORT,
} from "../fleet/k8s/database";
import { frameworkLabels } from "../fleet/k8s/servers";
import { type DbConnection } from "./tars-framework";
import { type ClusterRef } from "./tke-cluster";
import { ComponentType } from "./registry";
import { createInternalLoadBalancer } from "./internal-load-balancer";
import { configMapArgs, jobArgs, serviceArgs, statefulSetArgs } from "./k8s-args";

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
  /** TencentDB's security group: MySQL from the fleet only. */
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

  constructor(name: string, args: TarsDatabaseArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.TarsDatabase, name, {}, opts);
    const rootPassword = new random.RandomPassword(`${name}-root-password`, PASSWORD, {
      parent: this,
    });
    const adminPassword = new random.RandomPassword(`${name}-admin-password`, PASSWORD, {
      parent: this,
    });
    const namespace = args.cluster.namespaces[FRAMEWORK_NAMESPACE];
    const k8sOpts = {
      parent: this,
      provider: args.cluster.k8sProvider,
      dependsOn: namespace === undefined ? [] : [namespace],
    };
    const stateful = { protect: true, retainOnDelete: true };
    const db = args.fleet.tars.db;

    let host: pulumi.Output<string>;
    let jobHost: pulumi.Output<string>;
    let server: pulumi.Resource;
    const initSecret = (dbHost: pulumi.Input<string>) =>
      new k8s.core.v1.Secret(
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
            DB_PASS: adminPassword.result,
            ROOT_PASSWORD: rootPassword.result,
          },
        },
        k8sOpts,
      );
    let secret: k8s.core.v1.Secret;
    if (db.mode === DbMode.TencentDb) {
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
          tags: { "tarsfed-fleet": args.fleet.name },
        },
        { parent: this, ...stateful },
      );
      host = mysql.intranetIp;
      jobHost = host;
      server = mysql;
      secret = initSecret(jobHost);
    } else {
      jobHost = pulumi.output(`${IN_CLUSTER_DB}.${FRAMEWORK_NAMESPACE}.svc.cluster.local`);
      secret = initSecret(jobHost);
      const statefulSet = new k8s.apps.v1.StatefulSet(
        `${name}-statefulset`,
        statefulSetArgs(inClusterDbStatefulSet(db)),
        {
          ...k8sOpts,
          ...stateful,
          dependsOn: [...k8sOpts.dependsOn, secret],
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
        },
        this,
        k8sOpts,
      );
      host = lb.address;
      server = statefulSet;
    }
    const script = new k8s.core.v1.ConfigMap(
      `${name}-init-script`,
      configMapArgs(dbInitConfigMap()),
      k8sOpts,
    );
    // The Job runs once the database answers; Pulumi waits for it to complete, so the registries
    // that depend on this component start against a ready schema.
    this.initJob = new k8s.batch.v1.Job(
      `${name}-init`,
      jobArgs(dbInitJob(args.fleet.tars.frameworkImage)),
      {
        ...k8sOpts,
        dependsOn: [...k8sOpts.dependsOn, server, secret, script],
      },
    );
    this.connection = {
      host,
      port: MYSQL_PORT,
      user: DB_ADMIN_USER,
      password: adminPassword.result,
    };
    this.registerOutputs({ host, port: MYSQL_PORT, user: DB_ADMIN_USER });
  }
}
