/**
 * Where every TARS Set runs, and the Deployments that follow from it.
 *
 * A Set's active cluster is its `standby` when `failedOver`, else its `cluster`. Each cluster runs
 * every server of every Set active there, at the replicas the fleet asks for. A Set with a warm
 * standby also has, in its standby cluster, one replica per server registered with
 * `TARS_DISABLE_FLOW` (in the registry, taking no traffic).
 *
 * The warm copy and the active copy of a Set in one cluster are the same Deployment: failing over
 * lifts the flag and scales it up in place, failing back does the reverse. Nothing is replaced.
 */
import { type FleetSpec, type ServerSpec, type SetSpec } from "../model/model";
import { deploymentName } from "../model/naming";

/** How a Set's servers run in a cluster. */
export const WorkloadRole = { Active: "active", WarmStandby: "warm-standby" } as const;
/** One of {@link WorkloadRole}. */
export type WorkloadRole = (typeof WorkloadRole)[keyof typeof WorkloadRole];

/** Replicas of a warm-standby copy, per server. */
export const WARM_STANDBY_REPLICAS = 1;

/** One server of one Set in one cluster: one Deployment. */
export interface WorkloadSpec {
  /** Kubernetes name of the Deployment, its PDB and its ConfigMap. */
  readonly name: string;
  readonly cluster: string;
  readonly server: ServerSpec;
  readonly set: SetSpec;
  readonly role: WorkloadRole;
  readonly replicas: number;
}

/** The cluster a Set runs in now. */
export function activeCluster(set: SetSpec): string {
  return set.failedOver && set.standby !== undefined ? set.standby : set.cluster;
}

/** The cluster holding the Set's warm-standby copy now, if it has one. */
export function warmStandbyCluster(set: SetSpec): string | undefined {
  return set.warmStandby && !set.failedOver ? set.standby : undefined;
}

/** Every Deployment of the fleet, Set by Set, server by server, in file order. */
export function placeWorkloads(fleet: FleetSpec): WorkloadSpec[] {
  const setsById = new Map(fleet.sets.map((s) => [s.id, s]));
  const workloads: WorkloadSpec[] = [];
  for (const server of fleet.servers) {
    for (const { set: setId, count } of server.replicas) {
      const set = setsById.get(setId);
      if (set === undefined) throw new Error(`server ${server.id} names unknown Set ${setId}`);
      const name = deploymentName(server.id, set.id);
      workloads.push({
        name,
        cluster: activeCluster(set),
        server,
        set,
        role: WorkloadRole.Active,
        replicas: count,
      });
      const standby = warmStandbyCluster(set);
      if (standby !== undefined) {
        workloads.push({
          name,
          cluster: standby,
          server,
          set,
          role: WorkloadRole.WarmStandby,
          replicas: WARM_STANDBY_REPLICAS,
        });
      }
    }
  }
  return workloads;
}

/** The Deployments of one cluster. */
export function workloadsInCluster(fleet: FleetSpec, cluster: string): WorkloadSpec[] {
  return placeWorkloads(fleet).filter((w) => w.cluster === cluster);
}
