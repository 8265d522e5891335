/**
 * Reading a fleet file: YAML with positions → structure (zod) and rules (validate) → the model.
 *
 * Every problem is collected, each with its file, line, column and field path, before one
 * {@link FleetError} is thrown. Nothing is half-built: either the whole model or the error.
 */
import { readFileSync } from "node:fs";
import { FleetError, type Issue } from "./issues";
import { FleetFileSchema, type FleetFile } from "./schema";
import { indexSource, type SourceIndex } from "./source";
import { readYaml } from "./yaml-text";
import { validateFleet, type ValidateOptions } from "../validation/validate";
import { type KubeconfigReader } from "../validation/validate-existing";
import { kubeconfigPath } from "./kubeconfig";
import { fleetErrorMap, zodIssues } from "./zod-issues";
import { toFleetSpec } from "./to-spec";
import { type FleetSpec } from "./model";

/** A loaded fleet: the model and where it came from. */
export interface LoadedFleet {
  readonly file: string;
  readonly text: string;
  readonly spec: FleetSpec;
  readonly source: SourceIndex;
}

/**
 * Reads the kubeconfig files of existing clusters from disk, relative to the fleet file's
 * directory (`fleet/model/kubeconfig.ts`).
 */
export function fileKubeconfigReader(fleetFile: string): KubeconfigReader {
  return (file) => {
    try {
      return { text: readFileSync(kubeconfigPath(fleetFile, file), "utf8") };
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return {
        error:
          code === "ENOENT"
            ? `no such file ${kubeconfigPath(fleetFile, file)}`
            : (error as Error).message,
      };
    }
  };
}

/**
 * Parses and validates fleet text; throws {@link FleetError} with every problem.
 *
 * Kubeconfig files of existing clusters are read with `options.readKubeconfig`, by default from
 * disk beside `file` ({@link fileKubeconfigReader}).
 */
export function parseFleet(text: string, file: string, options: ValidateOptions = {}): LoadedFleet {
  const yaml = readYaml(text, file);
  if (!yaml.ok) throw new FleetError([yaml.issue]);
  const source = indexSource(file, yaml.doc, yaml.lines);
  const data = yaml.data;
  if (data === null || data === undefined) {
    throw new FleetError([
      {
        file,
        line: 1,
        col: 1,
        path: "",
        message: "the file is empty, expected a fleet map with name, homeRegion and regions",
      },
    ]);
  }
  const parsed = FleetFileSchema.safeParse(data, { error: fleetErrorMap, reportInput: true });
  const ruleIssues = validateFleet(data, source, {
    readKubeconfig: options.readKubeconfig ?? fileKubeconfigReader(file),
  });
  // Where a rule explains a field, its message is the more useful one: drop the schema's.
  const explained = new Set(ruleIssues.map((i) => i.path));
  const shapeIssues = parsed.success
    ? []
    : zodIssues(parsed.error, source).filter((i) => !explained.has(i.path));
  const issues = [...shapeIssues, ...ruleIssues];
  if (issues.length > 0 || !parsed.success) throw new FleetError(dedupe(issues));
  return { file, text, source, spec: toFleetSpec(parsed.data satisfies FleetFile) };
}

function dedupe(issues: Issue[]): Issue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const key = `${i.path}\u0000${i.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

// Stacks planned in one process read the same file: parse and validate it once per content.
const loaded = new Map<string, LoadedFleet>();

/** Reads and validates a fleet file; a missing or unreadable file is one issue too. */
export function loadFleet(file: string): LoadedFleet {
  let text: string;
  try {
    text = readFileSync(file, "utf8");
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === "ENOENT"
        ? "no such file"
        : (error as Error).message;
    throw new FleetError([
      { file, line: 1, col: 1, path: "", message: `cannot read the fleet file: ${reason}` },
    ]);
  }
  const key = `${file}\u0000${text}`;
  const cached = loaded.get(key);
  if (cached !== undefined) return cached;
  const fleet = parseFleet(text, file);
  loaded.clear();
  loaded.set(key, fleet);
  return fleet;
}
