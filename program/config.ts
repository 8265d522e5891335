/**
 * What every stack program reads besides the fleet's model: the fleet file, its stack config,
 * its providers and the stacks it references.
 *
 * Stack config (`stacks/Pulumi.<stack>.yaml`):
 * - `tars-federation:scope` — the stack's name: `global`, `<region>-infra` or `<region>`
 *   (`tarsfed` sets it; default: the stack's own name);
 * - `tars-federation:fleet` — the fleet file (default `stacks/fleet.yaml`);
 * - `tars-federation:globalStack`, `…:homeInfraStack`, `…:infraStack`, `…:homeStack` — the stacks
 *   referenced (default `<org>/<project>/<stack>`: `global`, `<home>-infra`, `<region>-infra`,
 *   `<home>`);
 * - `tars-federation:<key>` (secret) — an existing cluster's kubeconfig, where the fleet file says
 *   `existing.kubeconfig.secretConfig: <key>` (a TARS stack's config);
 * - `tencentcloud:region` — must match the region's `tencentRegion` (checked; not a TARS stack's);
 * - `tencentcloud:secretId` / `tencentcloud:secretKey` (secret) — optional; otherwise the
 *   provider reads `TENCENTCLOUD_SECRET_ID` / `TENCENTCLOUD_SECRET_KEY`.
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import * as tencentcloud from "@pulumi/tencentcloud";
import { FleetError } from "../fleet/model/issues";
import {
  configKeyOf,
  kubeconfigPath,
  kubeconfigProblem,
  PROJECT_CONFIG_NAMESPACE,
} from "../fleet/model/kubeconfig";
import { loadFleet, parseFleet, type LoadedFleet } from "../fleet/model/load";
import { type ClusterSpec } from "../fleet/model/model";
import { FLEET_SNAPSHOT_ENV } from "../fleet/operations/revision";

/** Stack outputs other stacks and `tarsfed` read. */
export type StackOutputs = Record<string, pulumi.Input<unknown>>;

/** The fleet file's text from the snapshot `tarsfed` passed, else from the file itself. */
function loadConfiguredFleet(file: string): LoadedFleet {
  const snapshot = process.env[FLEET_SNAPSHOT_ENV];
  if (snapshot === undefined || snapshot === "") return loadFleet(file);
  let text: string;
  try {
    text = readFileSync(snapshot, "utf8");
  } catch (error) {
    throw new pulumi.RunError(
      `cannot read the fleet snapshot ${FLEET_SNAPSHOT_ENV}=${snapshot} names: ${(error as Error).message}`,
    );
  }
  // Problems are reported against the fleet file: the snapshot is a copy of its text.
  return parseFleet(text, file);
}

/** The configured fleet file, validated; a `RunError` (no stack trace) with every problem. */
export function readFleet(config: pulumi.Config): LoadedFleet {
  const file = path.resolve(config.get("fleet") ?? path.join("stacks", "fleet.yaml"));
  try {
    return loadConfiguredFleet(path.relative(process.cwd(), file) || file);
  } catch (error) {
    // RunError prints its message without a stack trace.
    if (error instanceof FleetError)
      throw new pulumi.RunError(`invalid fleet file:\n${error.message}`);
    throw error;
  }
}

/** The stack's Tencent Cloud provider, `tencentcloud-<tencent region>`. */
export function tencentProvider(tencentRegion: string): tencentcloud.Provider {
  const config = new pulumi.Config("tencentcloud");
  const configured = config.get("region");
  if (configured !== undefined && configured !== tencentRegion) {
    throw new pulumi.RunError(
      `tencentcloud:region is ${configured} but this stack deploys ${tencentRegion}; fix stacks/Pulumi.${pulumi.getStack()}.yaml`,
    );
  }
  const secretId = config.get("secretId");
  const secretKey = config.getSecret("secretKey");
  return new tencentcloud.Provider(`tencentcloud-${tencentRegion}`, {
    region: tencentRegion,
    ...(secretId === undefined ? {} : { secretId }),
    ...(secretKey === undefined ? {} : { secretKey }),
  });
}

/**
 * A reference to another stack of the fleet, named `name` in this one: the stack config `key`
 * when set, else `<org>/<project>/<stack>`.
 */
export function stackReference(
  config: pulumi.Config,
  name: string,
  key: string,
  stack: string,
): pulumi.StackReference {
  return new pulumi.StackReference(name, {
    name: config.get(key) ?? `${pulumi.getOrganization()}/${pulumi.getProject()}/${stack}`,
  });
}

/**
 * An existing cluster's kubeconfig, as a secret: the file the fleet names (relative to the fleet
 * file, checked when the fleet was loaded), or the secret stack config value, checked here: a
 * missing value or one that is not a usable kubeconfig stops the stack with a `RunError` that
 * says how to set it.
 */
export function existingKubeconfig(
  config: pulumi.Config,
  cluster: ClusterSpec,
  fleetFile: string,
): pulumi.Output<string> {
  const source = cluster.existing?.kubeconfig;
  if (source === undefined) throw new Error(`cluster ${cluster.name} is not an existing cluster`);
  if ("file" in source) {
    const file = kubeconfigPath(fleetFile, source.file);
    try {
      return pulumi.secret(readFileSync(file, "utf8"));
    } catch (error) {
      throw new pulumi.RunError(
        `cluster ${cluster.name}: cannot read its kubeconfig ${file}: ${(error as Error).message}`,
      );
    }
  }
  const key = configKeyOf(source.secretConfig) ?? source.secretConfig;
  const full = `${PROJECT_CONFIG_NAMESPACE}:${key}`;
  const howToSet = `pulumi config set --secret ${full} --stack ${pulumi.getStack()} < <kubeconfig file>`;
  // Read as text, to check it before anything uses it, and made a secret again at once: a check
  // inside `apply` would fail only once a resource consumed the value, without saying how to fix it.
  const value = config.get(key);
  if (value === undefined) {
    throw new pulumi.RunError(
      `cluster ${cluster.name}: its kubeconfig is the secret stack config ${full}, which stack ${pulumi.getStack()} does not set; set it with: ${howToSet}`,
    );
  }
  const problem = kubeconfigProblem(value);
  if (problem !== undefined)
    throw new pulumi.RunError(
      `cluster ${cluster.name}: the kubeconfig in stack config ${full} ${problem}; set it again with: ${howToSet}`,
    );
  return pulumi.secret(value);
}
