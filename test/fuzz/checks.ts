/**
 * What must hold for any fleet text, valid or hostile.
 *
 * Loading either returns a model or throws a {@link FleetError}; every problem points at a place
 * that exists in the file and reads like the rest (lowercase, one line, no final period). A model
 * that loads is usable: every derivation the program makes from it (subnets, Deployments, slices,
 * capacity, manifests) works without throwing.
 */
import { FleetError, type Issue } from "../../fleet/model/issues";
import { parseFleet, type LoadedFleet } from "../../fleet/model/load";
import { carveSubnets } from "../../fleet/network/carve";
import { allClusters } from "../../fleet/model/model";
import { placeWorkloads } from "../../fleet/tars/placement";
import { isDnsLabel, isLabelValue, setLabelValue } from "../../fleet/model/naming";
import { globalSlice, regionSlice, stackWaves } from "../../fleet/stacks/slice";
import { capacityReport } from "../../fleet/operations/capacity";
import { homeFrameworkServices } from "../../fleet/tars/framework";
import { serverWorkload } from "../../fleet/k8s/servers";
import { tarscliDeployment } from "../../fleet/k8s/tarscli";

/** The file name the fuzz inputs are loaded as. */
export const FUZZ_FILE = "fuzz.yaml";

/** Words a message may start with in capitals: names of things, not sentence case. */
const PROPER_FIRST_WORDS = new Set(["Set", "Deployment", "CVM", "GR", "VPC-CNI", "TKE", "TARS"]);

/** Why `issue` is malformed for `text`, or undefined when it is fine. */
export function issueProblem(issue: Issue, text: string): string | undefined {
  const lines = text.split("\n");
  if (issue.file !== FUZZ_FILE) return `file is ${JSON.stringify(issue.file)}`;
  if (!Number.isInteger(issue.line) || issue.line < 1 || issue.line > lines.length + 1)
    return `line ${issue.line} is outside 1 to ${lines.length + 1}`;
  const lineLength = (lines[issue.line - 1] ?? "").length;
  if (!Number.isInteger(issue.col) || issue.col < 1 || issue.col > lineLength + 2)
    return `column ${issue.col} is outside 1 to ${lineLength + 2} on line ${issue.line}`;
  const message = issue.message;
  if (message.trim() === "") return "empty message";
  if (/[\r\n]/.test(message)) return "message spans lines";
  // A trailing "..." is the YAML library shortening the source it quotes, not a sentence.
  if (message.endsWith(".") && !message.endsWith("...")) return "message ends with a period";
  const firstWord = message.split(/[\s:,]/)[0];
  if (/^[A-Z]/.test(message) && !PROPER_FIRST_WORDS.has(firstWord))
    return "message starts with a capital";
  return undefined;
}

/** The outcome of loading hostile text. */
export type Outcome =
  | { readonly kind: "loaded"; readonly fleet: LoadedFleet }
  | { readonly kind: "refused"; readonly error: FleetError };

/**
 * Loads `text` as {@link FUZZ_FILE}; throws (failing the property) on anything but a model or a
 * well-formed {@link FleetError}.
 */
export function loadHostile(text: string): Outcome {
  let fleet: LoadedFleet;
  try {
    fleet = parseFleet(text, FUZZ_FILE);
  } catch (error) {
    if (!(error instanceof FleetError)) {
      const what = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
      throw new Error(`parseFleet threw something other than a FleetError: ${what}`, {
        cause: error,
      });
    }
    if (error.issues.length === 0) throw new Error("FleetError without issues", { cause: error });
    for (const issue of error.issues) {
      const problem = issueProblem(issue, text);
      if (problem !== undefined)
        throw new Error(`malformed issue (${problem}): ${JSON.stringify(issue)}`, { cause: error });
    }
    return { kind: "refused", error };
  }
  checkModel(fleet);
  return { kind: "loaded", fleet };
}

function fail(message: string): never {
  throw new Error(`loaded fleet is inconsistent: ${message}`);
}

/** Derives everything the program derives from a loaded fleet; throws on any inconsistency. */
export function checkModel({ spec }: LoadedFleet): void {
  const clusters = new Set(allClusters(spec).map((c) => c.name));
  for (const set of spec.sets) {
    if (!clusters.has(set.cluster)) fail(`Set ${set.id} runs in unknown cluster ${set.cluster}`);
    if (set.standby !== undefined && !clusters.has(set.standby))
      fail(`Set ${set.id} has unknown standby ${set.standby}`);
    if (!isLabelValue(setLabelValue(set.id))) fail(`Set ${set.id} is not a label value`);
  }
  for (const region of spec.regions) {
    carveSubnets({ vpcCidr: region.vpcCidr, zones: region.zones, clusters: region.clusters });
    regionSlice(spec, region.name);
  }
  if (!spec.regions.some((r) => r.name === spec.homeRegion)) fail("home region is not a region");
  globalSlice(spec);
  stackWaves(spec);
  capacityReport(spec);
  homeFrameworkServices(spec);
  for (const workload of placeWorkloads(spec)) {
    if (!isDnsLabel(workload.name)) fail(`Deployment name ${workload.name} is not a DNS label`);
    if (!clusters.has(workload.cluster)) fail(`${workload.name} runs in unknown cluster`);
    tarscliDeployment(serverWorkload(spec, workload));
  }
}

/** A line of a stack trace: `at fn (file.ts:12:3)` or `at file.js:12:3`. */
export const STACK_TRACE_LINE =
  /^\s*at .*(?:\.[cm]?[jt]s|<anonymous>|node:[\w/]+):\d+(?::\d+)?\)?$/m;
