/**
 * The config a stack runs with offline: its `stacks/Pulumi.<stack>.yaml` if there is one, and
 * what the fleet implies for the rest.
 *
 * Encrypted values (`secure:`) cannot be read without the stack's secrets provider, so offline
 * they are `[secret]` placeholders, still marked secret. An existing cluster's kubeconfig kept in
 * stack config is the one secret the program reads rather than passes on: offline (encrypted or
 * not set at all) it is a placeholder kubeconfig naming the cluster, which no plan ever contacts.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { configKeyOf, PROJECT_CONFIG_NAMESPACE } from "../../fleet/model/kubeconfig";
import { type FleetSpec, regionByName } from "../../fleet/model/model";
import { parseScope } from "../../fleet/stacks/slice";
import { UserError } from "../errors";
import { SECRET_MASK } from "./values";

/** Flat stack config and which keys hold secrets. */
export interface StackConfig {
  readonly config: Record<string, string>;
  readonly secretKeys: string[];
  /** The file it came from, when there is one. */
  readonly file?: string;
}

/** The stack config file beside the fleet file. */
export function stackConfigFile(fleetFile: string, stack: string): string {
  return path.join(path.dirname(fleetFile), `Pulumi.${stack}.yaml`);
}

function readConfigFile(file: string): StackConfig {
  let document: unknown;
  try {
    document = parse(readFileSync(file, "utf8"));
  } catch (error) {
    throw new UserError(
      `${file}: cannot read the stack config: ${(error as Error).message.split("\n")[0]}`,
    );
  }
  const entries = Object.entries(
    (document as { config?: Record<string, unknown> } | null)?.config ?? {},
  );
  const config: Record<string, string> = {};
  const secretKeys: string[] = [];
  for (const [key, value] of entries) {
    if (typeof value === "object" && value !== null && "secure" in value) {
      config[key] = SECRET_MASK;
      secretKeys.push(key);
    } else {
      config[key] = typeof value === "string" ? value : JSON.stringify(value);
    }
  }
  return { config, secretKeys, file };
}

/** A kubeconfig that names `cluster` and reaches nothing: offline, no plan contacts a cluster. */
export function offlineKubeconfig(cluster: string): string {
  return [
    "apiVersion: v1",
    "kind: Config",
    `clusters: [{ name: ${cluster}, cluster: { server: "https://${cluster}.offline.invalid" } }]`,
    `contexts: [{ name: ${cluster}, context: { cluster: ${cluster} } }]`,
    `current-context: ${cluster}`,
    "",
  ].join("\n");
}

/**
 * The kubeconfig keys of a TARS stack's existing clusters that hold no readable value: a
 * placeholder kubeconfig each, marked secret.
 */
function kubeconfigPlaceholders(
  fleet: FleetSpec,
  stack: string,
  fromFile: StackConfig,
): StackConfig {
  const scope = parseScope(fleet, stack);
  if (scope?.kind !== "tars") return { config: {}, secretKeys: [] };
  const config: Record<string, string> = {};
  for (const cluster of regionByName(fleet, scope.region).clusters) {
    const source = cluster.existing?.kubeconfig;
    if (source === undefined || !("secretConfig" in source)) continue;
    const key = `${PROJECT_CONFIG_NAMESPACE}:${configKeyOf(source.secretConfig) ?? source.secretConfig}`;
    const value = fromFile.config[key];
    if (value === undefined || fromFile.secretKeys.includes(key))
      config[key] = offlineKubeconfig(cluster.name);
  }
  return { config, secretKeys: Object.keys(config) };
}

/**
 * The config `stack` runs with when planned offline from `fleetFile`: `scope` is the stack's
 * name, and `tencentcloud:region` the region's (the home region's for `global`; a TARS stack
 * has no Tencent Cloud provider).
 */
export function offlineStackConfig(
  fleet: FleetSpec,
  fleetFile: string,
  stack: string,
): StackConfig {
  const file = stackConfigFile(fleetFile, stack);
  const fromFile: StackConfig = existsSync(file)
    ? readConfigFile(file)
    : { config: {}, secretKeys: [] };
  const scope = parseScope(fleet, stack);
  const region =
    scope === undefined || scope.kind === "tars"
      ? undefined
      : scope.kind === "global"
        ? fleet.homeRegion
        : scope.region;
  const placeholders = kubeconfigPlaceholders(fleet, stack, fromFile);
  return {
    ...fromFile,
    config: {
      "tars-federation:scope": stack,
      ...(region === undefined
        ? {}
        : { "tencentcloud:region": regionByName(fleet, region).tencentRegion }),
      ...fromFile.config,
      ...placeholders.config,
      // Offline, the fleet file given on the command line is the one planned.
      "tars-federation:fleet": path.resolve(fleetFile),
    },
    secretKeys: [...new Set([...fromFile.secretKeys, ...placeholders.secretKeys])],
  };
}
