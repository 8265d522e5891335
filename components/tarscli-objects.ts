/**
 * The three objects of every tarscli workload, for servers and framework services alike.
 */
import * as k8s from "@pulumi/kubernetes";
import type * as pulumi from "@pulumi/pulumi";
import {
  tarscliDeployment,
  tarscliMetaConfigMap,
  workloadPdb,
  type TarscliWorkload,
} from "../fleet/k8s/tarscli";
import { configMapArgs, deploymentArgs, pdbArgs } from "./k8s-args";

/** The Kubernetes objects of one tarscli workload. */
export interface TarscliObjects {
  readonly meta: k8s.core.v1.ConfigMap;
  readonly deployment: k8s.apps.v1.Deployment;
  readonly pdb: k8s.policy.v1.PodDisruptionBudget;
}

/** Creates `${name}-meta`, `${name}-deployment` and `${name}-pdb` with `opts` (parent and provider). */
export function createTarscliObjects(
  name: string,
  workload: TarscliWorkload,
  opts: pulumi.CustomResourceOptions,
): TarscliObjects {
  const meta = new k8s.core.v1.ConfigMap(
    `${name}-meta`,
    configMapArgs(tarscliMetaConfigMap(workload)),
    opts,
  );
  const dependsOn = [...((opts.dependsOn as pulumi.Resource[] | undefined) ?? []), meta];
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
  return { meta, deployment, pdb };
}
