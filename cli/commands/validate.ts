/**
 * `tarsfed validate`: schema and cross-field checks of a fleet file.
 */
import { Command } from "commander";
import { FleetError, formatIssue, type Issue } from "../../fleet/model/issues";
import { type LoadedFleet } from "../../fleet/model/load";
import { allClusters } from "../../fleet/model/model";
import { stackOrder } from "../../fleet/stacks/slice";
import { type CommandContext } from "../context";
import { ExitCode } from "../exit-codes";
import { json } from "../render";

/** What `validate` found. */
export interface ValidateResult {
  readonly file: string;
  readonly valid: boolean;
  /** Every problem, in file order. */
  readonly problems: readonly Issue[];
  /** What a valid fleet holds. */
  readonly summary?: {
    readonly regions: number;
    readonly clusters: number;
    readonly cvmPools: number;
    readonly sets: number;
    readonly servers: number;
    readonly stacks: readonly string[];
  };
}

/** Validates `file`. */
export function runValidate(file: string, load: (file: string) => LoadedFleet): ValidateResult {
  try {
    const { spec } = load(file);
    return {
      file,
      valid: true,
      problems: [],
      summary: {
        regions: spec.regions.length,
        clusters: allClusters(spec).length,
        cvmPools: spec.regions.reduce((n, r) => n + r.cvmPools.length, 0),
        sets: spec.sets.length,
        servers: spec.servers.length,
        stacks: stackOrder(spec),
      },
    };
  } catch (error) {
    if (error instanceof FleetError) return { file, valid: false, problems: error.issues };
    throw error;
  }
}

/** The text rendering: one line per problem, or a one-line summary. */
export function renderValidate(result: ValidateResult): string {
  if (!result.valid)
    return `${result.problems.map(formatIssue).join("\n")}\n${result.problems.length} problem(s) in ${result.file}\n`;
  const s = result.summary;
  if (s === undefined) return `${result.file}: valid\n`;
  return `${result.file}: valid — ${s.regions} regions, ${s.clusters} clusters, ${s.cvmPools} CVM pools, ${s.sets} Sets, ${s.servers} servers; stacks ${s.stacks.join(", ")}\n`;
}

/** The `validate` command. */
export function validateCommand(ctx: CommandContext): Command {
  return new Command("validate")
    .description(
      "check a fleet file: schema and cross-field rules, every problem with file:line:col",
    )
    .action((_options: unknown, command: Command) => {
      const globals = ctx.globals(command);
      const result = runValidate(globals.fleet, ctx.load);
      ctx.io.out(globals.json ? json(result) : renderValidate(result));
      ctx.setExitCode(result.valid ? ExitCode.Ok : ExitCode.Refused);
    });
}
