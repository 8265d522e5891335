/**
 * The TARS framework of one cluster: the database's connection (its host in a ConfigMap, its
 * password in a Secret), the registry, the registry's internal
 * load balancer for CVM nodes, the NetworkPolicies of both namespaces and, in the cluster that
 * runs its region's base services, tarsconfig, tarslog, tarsstat and tarsproperty.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { regionalServicesIn } from "../fleet/tars/framework";
import { type FleetSpec } from "../fleet/model/model";
import { FRAMEWORK_NAMESPACE, SERVER_NAMESPACE } from "../fleet/model/naming";
import {
  defaultDenyPolicy,
  frameworkEgressPolicy,
  type NetworkPolicy,
  registryPolicy,
  serversEgressPolicy,
} from "../fleet/k8s/network-policies";
import {
  registryDeployment,
  registryLbService,
  registryPdb,
  registryService,
} from "../fleet/k8s/registry";
import { frameworkLabels } from "../fleet/k8s/servers";
import { DB_SECRET } from "../fleet/k8s/db-config";
import { type ClusterRef } from "./tke-cluster";
import { ComponentType } from "./registry";
import { createLbService, type LoadBalancerRef } from "./internal-load-balancer";
import { deploymentArgs, networkPolicyArgs, pdbArgs, serviceArgs } from "./k8s-args";
import { createFrameworkServices } from "./tarscli-objects";
import { type SecretHashes, secretDataHash, withSecretHashes } from "./secret-hashes";
import {
  DB_CONFIG,
  type DB_SECRET_KEYS,
  type DbConfigKey,
  withDbServingRegion,
} from "../fleet/k8s/db-config";

/** How the framework services reach the framework database. */
export interface DbConnection {
  /** TencentDB's DNS name; the in-cluster database's CLB address or Service name. Not secret. */
  readonly host: pulumi.Input<string>;
  readonly port: pulumi.Input<number>;
  readonly user: pulumi.Input<string>;
  /** Secret: it travels only inside Pulumi secrets and the Kubernetes Secret. */
  readonly password: pulumi.Input<string>;
}

/** Arguments of {@link TarsFramework}. */
export interface TarsFrameworkArgs {
  readonly fleet: FleetSpec;
  readonly cluster: ClusterRef;
  readonly db: DbConnection;
  /**
   * The registry's internal CLB, for CVM machines (the infra stack's `TarsLoadBalancers`).
   *
   * @default - none (an existing cluster): the registry has its ClusterIP Service only
   */
  readonly registryLb?: LoadBalancerRef;
}

/**
 * The registry of one cluster and what it needs.
 *
 * The registry's CLB comes from the infra stack rather than from TKE, so its address exists
 * before the Service does and survives the Service being recreated: CVM nodes keep it in their
 * config.
 */
export class TarsFramework extends pulumi.ComponentResource {
  public readonly registry: k8s.apps.v1.Deployment;
  /**
   * The hashes of the database Secret (`DB_SECRET`, the password) and ConfigMap (`DB_CONFIG`, the
   * host, port and user), which every pod loading them carries in pod-template annotations, so a
   * new password or host rolls them.
   */
  public readonly dbHashes: SecretHashes;

  constructor(name: string, args: TarsFrameworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.TarsFramework, name, {}, opts);
    const namespace = args.cluster.namespaces[FRAMEWORK_NAMESPACE];
    const k8sOpts = {
      parent: this,
      provider: args.cluster.k8sProvider,
      dependsOn: namespace === undefined ? [] : [namespace],
    };
    const { config, secret, hashes } = createDbConnection(name, args.db, k8sOpts);
    this.dbHashes = hashes;
    const dbObjects = [...k8sOpts.dependsOn, secret, config];
    this.registry = new k8s.apps.v1.Deployment(
      `${name}-registry`,
      deploymentArgs(
        withDbServingRegion(args.fleet, withSecretHashes(registryDeployment(args.fleet), hashes)),
      ),
      { ...k8sOpts, dependsOn: dbObjects },
    );
    new k8s.core.v1.Service(`${name}-registry-service`, serviceArgs(registryService()), k8sOpts);
    new k8s.policy.v1.PodDisruptionBudget(`${name}-registry-pdb`, pdbArgs(registryPdb()), k8sOpts);
    if (args.registryLb !== undefined)
      createLbService(`${name}-registry`, registryLbService(), args.registryLb, k8sOpts);
    // The region's base services, once per region (fleet/tars/framework.ts, regionServicesCluster);
    // those that use the database start once its connection is there. They come after the
    // registry: Pulumi awaits a Deployment's rollout, so when the database's master moves
    // (tars.db.servingRegion) or its password changes, the registries roll before the services.
    createFrameworkServices(
      name,
      args.fleet,
      regionalServicesIn(args.fleet, args.cluster.name),
      { ...k8sOpts, dependsOn: [...dbObjects, this.registry] },
      hashes,
    );
    createNetworkPolicies(name, args, this);
    this.registerOutputs({});
  }
}

/**
 * The database connection of a cluster: the ConfigMap `DB_CONFIG` with the host, port and user
 * (visible in plans and manifests), the Secret `DB_SECRET` with the password alone, and the hash
 * of each (`fleet/k8s/db-config.ts`). Key names are the ones K8STARS' start scripts read.
 */
function createDbConnection(
  name: string,
  db: DbConnection,
  k8sOpts: pulumi.CustomResourceOptions,
): { config: k8s.core.v1.ConfigMap; secret: k8s.core.v1.Secret; hashes: SecretHashes } {
  const data = {
    DB_HOST: db.host,
    DB_PORT: pulumi.output(db.port).apply(String),
    DB_USER: db.user,
  } satisfies Record<DbConfigKey, pulumi.Input<string>>;
  const stringData = {
    DB_PASS: pulumi.secret(db.password),
  } satisfies Record<(typeof DB_SECRET_KEYS)[number], pulumi.Input<string>>;
  const metadata = (objectName: string) => ({
    name: objectName,
    namespace: FRAMEWORK_NAMESPACE,
    labels: frameworkLabels(objectName).labels,
  });
  const config = new k8s.core.v1.ConfigMap(
    `${name}-db-config`,
    { metadata: metadata(DB_CONFIG), data },
    k8sOpts,
  );
  const secret = new k8s.core.v1.Secret(
    `${name}-db-secret`,
    { metadata: metadata(DB_SECRET), type: "Opaque", stringData },
    k8sOpts,
  );
  const hashes = new Map([
    [DB_SECRET, secretDataHash(stringData)],
    [DB_CONFIG, secretDataHash(data)],
  ]);
  return { config, secret, hashes };
}

/**
 * Both namespaces' policies that are not one workload's: what framework pods and business pods
 * may reach, who reaches the registry, and, once those exist, the default deny of each namespace
 * (`fleet/k8s/network-policies.ts`).
 */
function createNetworkPolicies(name: string, args: TarsFrameworkArgs, parent: pulumi.Resource) {
  const opts = (namespace: string, after: pulumi.Resource[] = []) => {
    const created = args.cluster.namespaces[namespace];
    return {
      parent,
      provider: args.cluster.k8sProvider,
      dependsOn: [...(created === undefined ? [] : [created]), ...after],
    };
  };
  const policy = (child: string, manifest: NetworkPolicy, after: pulumi.Resource[] = []) =>
    new k8s.networking.v1.NetworkPolicy(
      `${name}-${child}`,
      networkPolicyArgs(manifest),
      opts(manifest.metadata.namespace, after),
    );
  const framework = [
    policy("framework-egress", frameworkEgressPolicy(args.fleet)),
    policy("registry-network-policy", registryPolicy(args.fleet)),
  ];
  const servers = [policy("servers-egress", serversEgressPolicy(args.fleet, args.cluster.name))];
  policy("default-deny-framework", defaultDenyPolicy(FRAMEWORK_NAMESPACE), framework);
  policy("default-deny-servers", defaultDenyPolicy(SERVER_NAMESPACE), servers);
}
