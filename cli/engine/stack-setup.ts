/**
 * The config a real stack needs before the engine runs it, decided from the fleet and the
 * stack's current config.
 *
 * A stack whose `stacks/Pulumi.<stack>.yaml` does not set its scope and region gets them from
 * the same defaults the offline runner uses; a stack configured for another scope or another
 * fleet file is refused, so the engine never deploys something other than what `tarsfed` shows.
 */
import * as path from "node:path";
import { type LoadedFleet } from "../../fleet/model/load";
import { DEFAULT_FLEET } from "../context";
import { UserError } from "../errors";
import { ExitCode } from "../exit-codes";
import { offlineStackConfig } from "../offline/stack-config";

/** The config keys `tarsfed` sets or checks. */
export const ConfigKey = {
  /** The slice a stack deploys: `global` or a region name (read by `index.ts`). */
  Scope: "tars-federation:scope",
  /** The fleet file, relative to the project directory (read by `index.ts`). */
  Fleet: "tars-federation:fleet",
  /** The default provider's region; `index.ts` checks it against the fleet. */
  Region: "tencentcloud:region",
} as const;

/** One of {@link ConfigKey}. */
export type ConfigKey = (typeof ConfigKey)[keyof typeof ConfigKey];

/**
 * The config values to set on `stack` before running it, given its current (plain) config.
 *
 * `workDir` is the project directory: the program runs there and resolves the fleet file
 * relative to it. Throws `UserError` (exit 1) when the stack is set up for another scope or
 * another fleet file.
 */
export function stackConfigToSet(
  fleet: LoadedFleet,
  stack: string,
  current: Readonly<Record<string, string>>,
  workDir: string,
): Record<string, string> {
  const scope = current[ConfigKey.Scope];
  if (scope !== undefined && scope !== stack) {
    throw new UserError(
      `stack ${stack} has ${ConfigKey.Scope} "${scope}" in its stack config, expected "${stack}"; ` +
        `fix it with: pulumi config set ${ConfigKey.Scope} ${stack} --stack ${stack}`,
      ExitCode.Refused,
    );
  }
  const defaults = offlineStackConfig(fleet.spec, fleet.file, stack).config;
  const toSet: Record<string, string> = {};
  for (const key of [ConfigKey.Scope, ConfigKey.Region]) {
    const value = defaults[key];
    if (current[key] === undefined && value !== undefined) toSet[key] = value;
  }
  const given = path.resolve(fleet.file);
  const configured = current[ConfigKey.Fleet];
  const deployed = path.resolve(workDir, configured ?? DEFAULT_FLEET);
  if (deployed === given) return toSet;
  if (configured === undefined && scope === undefined) {
    // A stack tarsfed sets up now deploys the fleet it was given.
    toSet[ConfigKey.Fleet] = path.relative(workDir, given);
    return toSet;
  }
  throw new UserError(
    `stack ${stack} deploys the fleet file ${path.relative(workDir, deployed) || deployed} ` +
      `(${ConfigKey.Fleet}), not ${fleet.file}; run tarsfed with that --fleet, or change the stack ` +
      `with: pulumi config set ${ConfigKey.Fleet} ${path.relative(workDir, given)} --stack ${stack}`,
    ExitCode.Refused,
  );
}
