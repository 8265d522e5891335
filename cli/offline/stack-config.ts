/**
 * The config a stack runs with offline: its `stacks/Pulumi.<stack>.yaml` if there is one, and
 * what the fleet implies for the rest.
 *
 * Encrypted values (`secure:`) cannot be read without the stack's secrets provider, so offline
 * they are `[secret]` placeholders, still marked secret.
 */
import { existsSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";
import { type FleetSpec, regionByName } from "../../fleet/model";
import { GLOBAL_STACK } from "../../fleet/naming";
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

/** The config `stack` runs with when planned offline from `fleetFile`. */
export function offlineStackConfig(
  fleet: FleetSpec,
  fleetFile: string,
  stack: string,
): StackConfig {
  const file = stackConfigFile(fleetFile, stack);
  const fromFile: StackConfig = existsSync(file)
    ? readConfigFile(file)
    : { config: {}, secretKeys: [] };
  const region = stack === GLOBAL_STACK ? fleet.homeRegion : stack;
  return {
    ...fromFile,
    config: {
      "tars-federation:scope": stack,
      "tencentcloud:region": regionByName(fleet, region).tencentRegion,
      ...fromFile.config,
      // Offline, the fleet file given on the command line is the one planned.
      "tars-federation:fleet": path.resolve(fleetFile),
    },
  };
}
