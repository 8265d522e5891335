/**
 * The database Job as the demo fleet's offline plan renders it, read from the plan's Kubernetes
 * objects the way `tarsfed manifests` collects them: never retyped.
 */
import * as path from "node:path";
import { loadFleet } from "../fleet/model/load";
import { type Json } from "../fleet/stacks/plan-document";
import { DB_INIT, DB_INIT_ENV } from "../fleet/k8s/database";
import { FRAMEWORK_NAMESPACE } from "../fleet/model/naming";
import { planFleet } from "../cli/plan/plan-fleet";
import { collectManifests } from "../cli/manifests/collect";
import { type ManifestObject } from "../cli/manifests/types";

/** The demo fleet, relative to the checkout. */
export const DEMO_FLEET = path.join("stacks", "fleet.yaml");

/** What the contract needs of the Job: its script, how its container runs it, and its env contract. */
export interface PlannedDbJob {
  /** The cluster the Job goes to, e.g. `gz1`. */
  readonly cluster: string;
  /** The Job container's command, e.g. `["/bin/bash", "/scripts/init.sh"]`. */
  readonly command: readonly string[];
  /** The script the command runs, from the ConfigMap the container mounts. */
  readonly script: string;
  /** Where the container sees the script (an element of `command`). */
  readonly scriptPath: string;
  /** The variables the Job's Secret provides: the component writes exactly these keys. */
  readonly envKeys: readonly string[];
  /** The Secret the container takes its environment from. */
  readonly secretName: string;
}

/** The value at `keys` inside a planned object, or null where the path ends. */
export function field(value: Json | undefined, ...keys: (string | number)[]): Json {
  let at: Json = value ?? null;
  for (const key of keys) {
    if (at === null || typeof at !== "object") return null;
    at = (at as Record<string, Json>)[key as string] ?? null;
  }
  return at;
}

/** `value` as a string, or an error naming `what` in the plan. */
export function text(value: Json, what: string): string {
  if (typeof value !== "string")
    throw new Error(`the plan's ${what} is not a string: ${JSON.stringify(value)}`);
  return value;
}

/** Plans the fleet at `root/stacks/fleet.yaml` offline and reads the database Job from it. */
export async function plannedDbJob(root: string): Promise<PlannedDbJob> {
  const fleet = loadFleet(path.join(root, DEMO_FLEET));
  const plan = await planFleet(fleet, { stacks: [fleet.spec.homeRegion] });
  const { objects } = collectManifests(plan);
  const find = (kind: string, name: string): ManifestObject => {
    const found = objects.find(
      (o) => o.kind === kind && o.name === name && o.namespace === FRAMEWORK_NAMESPACE,
    );
    if (found === undefined)
      throw new Error(`the demo fleet's plan has no ${kind} ${FRAMEWORK_NAMESPACE}/${name}`);
    return found;
  };
  // The Job is named after its Secret's hash (`dbInitJobName`): the one Job of that prefix.
  const jobName = new RegExp(`^${DB_INIT}-[0-9a-f]{12}$`);
  const jobs = objects.filter(
    (o) => o.kind === "Job" && jobName.test(o.name) && o.namespace === FRAMEWORK_NAMESPACE,
  );
  if (jobs.length !== 1)
    throw new Error(
      `the demo fleet's plan has ${jobs.length} Jobs ${FRAMEWORK_NAMESPACE}/${DB_INIT}-<hash>, expected one`,
    );
  const [job] = jobs;
  const pod = field(job.object, "spec", "template", "spec");
  const container = field(pod, "containers", 0);
  const command = (field(container, "command") as Json[]).map((c) => text(c, "Job command"));
  const mounts = (field(container, "volumeMounts") as Json[]) ?? [];
  // The script is the command's argument that lies under a mount of a ConfigMap volume.
  for (const mount of mounts) {
    const mountPath = text(field(mount, "mountPath"), "mountPath");
    const scriptPath = command.find((c) => c.startsWith(`${mountPath}/`));
    if (scriptPath === undefined) continue;
    const volume = (field(pod, "volumes") as Json[]).find(
      (v) => field(v, "name") === field(mount, "name"),
    );
    const configMap = find(
      "ConfigMap",
      text(field(volume, "configMap", "name"), "volume's ConfigMap"),
    );
    const key = scriptPath.slice(mountPath.length + 1);
    const secretName = text(field(container, "envFrom", 0, "secretRef", "name"), "envFrom Secret");
    find("Secret", secretName);
    return {
      cluster: job.cluster,
      command,
      script: text(field(configMap.object, "data", key), `ConfigMap key ${key}`),
      scriptPath,
      envKeys: DB_INIT_ENV,
      secretName,
    };
  }
  throw new Error(
    `the Job ${job.name}'s command ${JSON.stringify(command)} runs no file of a mounted ConfigMap`,
  );
}
