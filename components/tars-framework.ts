/**
 * The TARS framework of one cluster: database credentials, the registry, the registry's internal
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
import { DB_SECRET, frameworkLabels } from "../fleet/k8s/servers";
import { type ClusterRef } from "./tke-cluster";
import { ComponentType } from "./registry";
import { createLbService, type LoadBalancerRef } from "./internal-load-balancer";
import { deploymentArgs, networkPolicyArgs, pdbArgs, serviceArgs } from "./k8s-args";
import { createFrameworkServices } from "./tarscli-objects";
import { secretDataHash, withSecretHashes } from "./secret-hashes";

/** How the framework services reach the framework database. */
export interface DbConnection {
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
   * The hash of the database Secret (`DB_SECRET`), which every pod loading it carries in a
   * pod-template annotation, so new credentials roll them.
   */
  public readonly dbSecretHash: pulumi.Output<string>;

  constructor(name: string, args: TarsFrameworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.TarsFramework, name, {}, opts);
    const namespace = args.cluster.namespaces[FRAMEWORK_NAMESPACE];
    const k8sOpts = {
      parent: this,
      provider: args.cluster.k8sProvider,
      dependsOn: namespace === undefined ? [] : [namespace],
    };
    // Key names are the ones K8STARS' start scripts read.
    const stringData = {
      DB_HOST: args.db.host,
      DB_PORT: pulumi.output(args.db.port).apply(String),
      DB_USER: args.db.user,
      DB_PASS: pulumi.secret(args.db.password),
    };
    const secret = new k8s.core.v1.Secret(
      `${name}-db-secret`,
      {
        metadata: {
          name: DB_SECRET,
          namespace: FRAMEWORK_NAMESPACE,
          labels: frameworkLabels(DB_SECRET).labels,
        },
        type: "Opaque",
        stringData,
      },
      k8sOpts,
    );
    this.dbSecretHash = secretDataHash(stringData);
    const hashes = new Map([[DB_SECRET, this.dbSecretHash]]);
    this.registry = new k8s.apps.v1.Deployment(
      `${name}-registry`,
      deploymentArgs(withSecretHashes(registryDeployment(args.fleet), hashes)),
      {
        ...k8sOpts,
        dependsOn: [...k8sOpts.dependsOn, secret],
      },
    );
    new k8s.core.v1.Service(`${name}-registry-service`, serviceArgs(registryService()), k8sOpts);
    new k8s.policy.v1.PodDisruptionBudget(`${name}-registry-pdb`, pdbArgs(registryPdb()), k8sOpts);
    if (args.registryLb !== undefined)
      createLbService(`${name}-registry`, registryLbService(), args.registryLb, k8sOpts);
    // The region's base services, once per region (fleet/tars/framework.ts, regionServicesCluster);
    // those that use the database start once its credentials are there.
    createFrameworkServices(
      name,
      args.fleet,
      regionalServicesIn(args.fleet, args.cluster.name),
      { ...k8sOpts, dependsOn: [...k8sOpts.dependsOn, secret] },
      hashes,
    );
    createNetworkPolicies(name, args, this);
    this.registerOutputs({});
  }
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
