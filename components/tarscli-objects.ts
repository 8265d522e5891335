/**
 * The objects of every tarscli workload, for servers and framework services alike: its meta
 * ConfigMap, Deployment, PDB and NetworkPolicy.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import {
  tarscliDeployment,
  tarscliMetaConfigMap,
  workloadPdb,
  type TarscliWorkload,
} from "../fleet/k8s/tarscli";
import { type NetworkPolicy } from "../fleet/k8s/network-policies";
import { configMapArgs, deploymentArgs, networkPolicyArgs, pdbArgs } from "./k8s-args";

/** The Kubernetes objects of one tarscli workload. */
export interface TarscliObjects {
  readonly meta: k8s.core.v1.ConfigMap;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly pdb: k8s.policy.v1.PodDisruptionBudget;
  readonly networkPolicy: k8s.networking.v1.NetworkPolicy;
}

/**
 * Creates `${name}-meta`, `${name}-network-policy`, `${name}-deployment` and `${name}-pdb` with
 * `opts` (parent and provider). The pods start once their policy admits what they need.
 */
export function createTarscliObjects(
  name: string,
  workload: TarscliWorkload,
  networkPolicy: NetworkPolicy,
  opts: pulumi.CustomResourceOptions,
): TarscliObjects {
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
  const deployment = new k8s.apps.v1.Deployment(
    `${name}-deployment`,
    deploymentArgs(tarscliDeployment(workload)),
    {
      ...opts,
      dependsOn,
    },
  );
  const pdb = new k8s.policy.v1.PodDisruptionBudget(
    `${name}-pdb`,
    pdbArgs(workloadPdb(workload)),
    opts,
  );
  return { meta, deployment, pdb, networkPolicy: policy };
}
