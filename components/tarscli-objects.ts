/**
 * The objects of every tarscli workload, for servers and framework services alike: its meta
 * ConfigMap, Deployment, PDB and NetworkPolicy; and the framework services built from them
 * (tarslog as a StatefulSet with its volume).
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import { type FrameworkServiceSpec, type LogVolumeSpec } from "../fleet/tars/framework";
import { type FleetSpec } from "../fleet/model/model";
import { tarslogStatefulSet, withPackageStoreDeployment } from "../fleet/k8s/base-services";
import {
  tarscliDeployment,
  tarscliMetaConfigMap,
  workloadPdb,
  type TarscliWorkload,
} from "../fleet/k8s/tarscli";
import { frameworkServicePolicy, type NetworkPolicy } from "../fleet/k8s/network-policies";
import { frameworkWorkload } from "../fleet/k8s/servers";
import {
  configMapArgs,
  deploymentArgs,
  networkPolicyArgs,
  pdbArgs,
  statefulSetArgs,
} from "./k8s-args";
import { type Spec } from "../fleet/k8s/types";
import { type IDeployment } from "kubernetes-models/apps/v1/Deployment";
import { type SecretHashes, withSecretHashes } from "./secret-hashes";
import { withDbServingRegion } from "../fleet/k8s/db-config";

/** The Kubernetes objects of one tarscli workload. */
export interface TarscliObjects {
  readonly meta: k8s.core.v1.ConfigMap;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly pdb: k8s.policy.v1.PodDisruptionBudget;
  readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
}

/**
 * What a tarscli workload's pods need before they start: `${name}-meta` (its
 * `_server_meta.yaml`) and `${name}-network-policy`, and the dependencies that wait for both.
 */
function createPodPrerequisites(
  name: string,
  workload: TarscliWorkload,
  networkPolicy: NetworkPolicy,
  opts: pulumi.CustomResourceOptions,
) {
  const meta = new k8s.core.v1.ConfigMap(
    `${name}-meta`,
    configMapArgs(tarscliMetaConfigMap(workload)),
    opts,
  );
  const policy = new k8s.networking.v1.NetworkPolicy(
    `${name}-network-policy`,
    networkPolicyArgs(networkPolicy),
    opts,
  );
  const dependsOn = [...((opts.dependsOn as pulumi.Resource[] | undefined) ?? []), meta, policy];
  return { meta, policy, dependsOn };
}

/**
 * Creates `${name}-meta`, `${name}-network-policy`, `${name}-deployment` and `${name}-pdb` with
 * `opts` (parent and provider). The pods start once their policy admits what they need;
 * `deployment` is the workload's own unless given (tarspatch's mounts the package store).
 */
export function createTarscliObjects(
  name: string,
  workload: TarscliWorkload,
  networkPolicy: NetworkPolicy,
  opts: pulumi.CustomResourceOptions,
  deployment: Spec<IDeployment> = tarscliDeployment(workload),
): TarscliObjects {
  const { meta, policy, dependsOn } = createPodPrerequisites(name, workload, networkPolicy, opts);
  const created = new k8s.apps.v1.Deployment(`${name}-deployment`, deploymentArgs(deployment), {
    ...opts,
    dependsOn,
  });
  const pdb = new k8s.policy.v1.PodDisruptionBudget(
    `${name}-pdb`,
    pdbArgs(workloadPdb(workload)),
    opts,
  );
  return { meta, deployment: created, pdb, networkPolicy: policy };
}

/** The Kubernetes objects of tarslog: no PDB, since it runs one replica. */
export interface TarscliStatefulSetObjects {
  readonly meta: k8s.core.v1.ConfigMap;
  readonly statefulSet: k8s.apps.v1.StatefulSet;
  readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
}

/**
 * Creates `${name}-meta`, `${name}-network-policy` and `${name}-statefulset` for a service with a
 * log volume, its pods carrying the hash of each Secret of `secretHashes` they load. The
 * StatefulSet is protected and kept when removed from the program, like every stateful resource
 * (policy `stateful-resources-protected`): its claim holds the region's logs.
 */
export function createTarscliStatefulSet(
  name: string,
  workload: TarscliWorkload,
  volume: LogVolumeSpec,
  networkPolicy: NetworkPolicy,
  opts: pulumi.CustomResourceOptions,
  secretHashes: SecretHashes = new Map(),
): TarscliStatefulSetObjects {
  const { meta, policy, dependsOn } = createPodPrerequisites(name, workload, networkPolicy, opts);
  const statefulSet = new k8s.apps.v1.StatefulSet(
    `${name}-statefulset`,
    statefulSetArgs(withSecretHashes(tarslogStatefulSet(workload, volume), secretHashes)),
    { ...opts, dependsOn, protect: true, retainOnDelete: true },
  );
  return { meta, statefulSet, networkPolicy: policy };
}

/**
 * Every framework service of `services`, each named `${prefix}-<server in lowercase>`: a
 * Deployment with its PDB (tarspatch's pods mounting the package store, whose claim the caller
 * creates), or tarslog's StatefulSet, each with its meta ConfigMap and the
 * NetworkPolicy that admits its clients (`fleet/k8s/network-policies.ts`). `opts` carries the
 * parent, provider and what every service waits for (the namespace, the database connection, the
 * registry); the pods of a service that loads a Secret or ConfigMap of `secretHashes` carry its
 * hash, so they roll when it changes, and those that load the database's address carry the region
 * of its master (`withDbServingRegion`), so they roll, and reconnect, when the master moves.
 */
export function createFrameworkServices(
  prefix: string,
  fleet: FleetSpec,
  services: readonly FrameworkServiceSpec[],
  opts: pulumi.CustomResourceOptions,
  secretHashes: SecretHashes,
): void {
  for (const service of services) {
    const name = `${prefix}-${service.server.toLowerCase()}`;
    const workload = frameworkWorkload(fleet, service);
    const policy = frameworkServicePolicy(fleet, workload);
    const { logVolume } = service;
    if (logVolume !== undefined) {
      createTarscliStatefulSet(name, workload, logVolume, policy, opts, secretHashes);
    } else {
      const deployment = tarscliDeployment(workload);
      const withStore =
        service.packageStore === true ? withPackageStoreDeployment(deployment) : deployment;
      createTarscliObjects(
        name,
        workload,
        policy,
        opts,
        withDbServingRegion(fleet, withSecretHashes(withStore, secretHashes)),
      );
    }
  }
}
