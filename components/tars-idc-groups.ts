/**
 * The fleet's regions as TARS IDC groups: the ConfigMap with the rules, and the Job that writes
 * them into the framework database (`fleet/k8s/idc-groups.ts`).
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { type FleetSpec } from "../fleet/model/model";
import { idcGroupsConfigMap, idcGroupsJob } from "../fleet/k8s/idc-groups";
import { type ClusterRef } from "./tke-cluster";
import { ComponentType } from "./registry";
import { configMapArgs, jobArgs } from "./k8s-args";

/** Arguments of {@link TarsIdcGroups}. */
export interface TarsIdcGroupsArgs {
  readonly fleet: FleetSpec;
  /** The cluster of the database Job: the Job reads that Job's Secret. */
  readonly cluster: ClusterRef;
  /**
   * What must be done before the Job runs: the database Job, which creates the tables it writes
   * and the user it logs in as.
   */
  readonly after: readonly pulumi.Resource[];
}

/**
 * Writes the groups, their priorities and `enable_group` once per change of rules.
 *
 * The Job's name carries the rules' hash: the same rules are the same Job, which Pulumi leaves
 * alone; new rules replace it, and the new Job runs once.
 */
export class TarsIdcGroups extends pulumi.ComponentResource {
  public readonly rules: k8s.core.v1.ConfigMap;
  public readonly job: k8s.batch.v1.Job;

  constructor(name: string, args: TarsIdcGroupsArgs, opts?: pulumi.ComponentResourceOptions) {
    super(ComponentType.TarsIdcGroups, name, {}, opts);
    const k8sOpts = { parent: this, provider: args.cluster.k8sProvider };
    this.rules = new k8s.core.v1.ConfigMap(
      `${name}-rules`,
      configMapArgs(idcGroupsConfigMap(args.fleet)),
      { ...k8sOpts, dependsOn: [...args.after] },
    );
    this.job = new k8s.batch.v1.Job(`${name}-job`, jobArgs(idcGroupsJob(args.fleet)), {
      ...k8sOpts,
      dependsOn: [...args.after, this.rules],
    });
    this.registerOutputs({});
  }
}
