/**
 * The rules as CrossGuard policies, for `pulumi preview --policy-pack policies`.
 *
 * A pure adapter: it builds policy objects and never constructs the `PolicyPack` (that starts the
 * engine's gRPC server; only `policies/index.ts` does it), so tests call the validations directly
 * with hand-built arguments (pulumi-policy's own tests do the same).
 *
 * During a preview some inputs are unknown; the engine's props proxy throws when one is read. The
 * adapter copies the props first, putting {@link UNKNOWN} where a value is unknown, so rules skip
 * it instead of the whole policy being reported as "can't run during preview".
 *
 * Rules that read the fleet (a Set's standby, region-loss capacity, servant ports) get it from the
 * fleet file named by the policy config `fleetFile`, relative to the pack directory
 * (default `../stacks/fleet.yaml`, the repository's fleet when the pack is `policies/`):
 * `pulumi preview --policy-pack policies --policy-pack-config cfg.json` with
 * `{ "region-loss-fits": { "fleetFile": "../stacks/other.yaml" } }`.
 * @see https://www.pulumi.com/docs/iac/using-pulumi/crossguard/configuration/
 */
import * as path from "node:path";
import * as policy from "@pulumi/policy";
import {
  type PolicyResource,
  type ReportViolation,
  type ResourceValidationArgs,
  type ResourceValidationPolicy,
  type StackValidationArgs,
  type StackValidationPolicy,
} from "@pulumi/policy";
import { type FleetSpec } from "../fleet/model/model";
import {
  FleetUse,
  UNKNOWN,
  type ResourceRule,
  type ResourceView,
  type RuleContext,
  type StackRule,
  type TarsfedRule,
} from "./rule";

/**
 * The error the engine's props proxy throws when a value unknown during a preview is read.
 *
 * `@pulumi/policy` exports it at run time, but its typings of `proxy.ts` (marked internal) are
 * stripped, so it is typed here.
 */
const UnknownValueError = (policy as unknown as { UnknownValueError: new () => Error })
  .UnknownValueError;

/** The fleet file the pack reads when the policy config names none, relative to the pack. */
export const DEFAULT_FLEET_FILE = "../stacks/fleet.yaml";

/** Policy config of the rules that read the fleet. */
export interface FleetPolicyConfig {
  /** The fleet file, relative to the pack directory. */
  readonly fleetFile: string;
}

/** What the adapter needs from outside: where the pack is, and how to read a fleet file. */
export interface CrossGuardOptions {
  /** Directory `fleetFile` is relative to: the pack's. */
  readonly packDir: string;
  /** Reads and validates a fleet file; throws when it cannot (`fleet/model/load.ts`). */
  readonly loadFleet: (file: string) => FleetSpec;
}

/** A copy of engine props with every unknown value replaced by {@link UNKNOWN}. */
export function knownProps(value: unknown): unknown {
  if (typeof value !== "object" || value === null) return value;
  const read = (key: string | number): unknown => {
    try {
      return knownProps((value as Record<string | number, unknown>)[key]);
    } catch (error) {
      if (error instanceof UnknownValueError) return UNKNOWN;
      throw error;
    }
  };
  if (Array.isArray(value)) return value.map((_, i) => read(i));
  return Object.fromEntries(Object.keys(value).map((k) => [k, read(k)]));
}

function propsOf(props: Record<string, unknown>): Readonly<Record<string, unknown>> {
  return knownProps(props) as Readonly<Record<string, unknown>>;
}

/** The fields a rule sees, from a stack policy's resource or a resource policy's arguments. */
function viewOf(
  resource: Pick<PolicyResource, "type" | "name" | "urn" | "props" | "opts" | "provider">,
): ResourceView {
  return {
    type: resource.type,
    name: resource.name,
    urn: resource.urn,
    props: propsOf(resource.props),
    protect: resource.opts.protect,
    provider: resource.provider?.urn ?? null,
  };
}

type ConfigArgs = Pick<ResourceValidationArgs, "getConfig" | "notApplicable">;

/** Reads the fleet file each rule's config names, once per file. */
function fleetReader(rule: TarsfedRule, options: CrossGuardOptions) {
  const cache = new Map<string, FleetSpec>();
  return (args: ConfigArgs): RuleContext => {
    if (rule.usesFleet === undefined) return {};
    const configured = args.getConfig<Partial<FleetPolicyConfig>>().fleetFile;
    const file = path.resolve(options.packDir, configured ?? DEFAULT_FLEET_FILE);
    try {
      const fleet = cache.get(file) ?? options.loadFleet(file);
      cache.set(file, fleet);
      return { fleet };
    } catch (error) {
      if (rule.usesFleet === FleetUse.Optional) return {};
      const reason = error instanceof Error ? error.message.split("\n")[0] : String(error);
      return args.notApplicable(`cannot read the fleet file ${file}: ${reason}`);
    }
  };
}

function configSchema(rule: TarsfedRule) {
  if (rule.usesFleet === undefined) return {};
  return {
    configSchema: {
      properties: {
        fleetFile: {
          type: "string" as const,
          default: DEFAULT_FLEET_FILE,
          description: "The fleet file, relative to the policy pack directory.",
        },
      },
    },
  };
}

function resourcePolicy(rule: ResourceRule, options: CrossGuardOptions): ResourceValidationPolicy {
  const fleetFor = fleetReader(rule, options);
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    ...configSchema(rule),
    validateResource: (args: ResourceValidationArgs, report: ReportViolation) => {
      if (!rule.resourceTypes.includes(args.type)) return;
      for (const message of rule.check(viewOf(args), fleetFor(args))) report(message);
    },
  };
}

function stackPolicy(rule: StackRule, options: CrossGuardOptions): StackValidationPolicy {
  const fleetFor = fleetReader(rule, options);
  return {
    name: rule.name,
    description: rule.description,
    enforcementLevel: rule.enforcementLevel,
    ...configSchema(rule),
    validateStack: (args: StackValidationArgs, report: ReportViolation) => {
      const context = fleetFor(args);
      const findings = rule.check({ resources: args.resources.map(viewOf), ...context });
      for (const f of findings) report(f.message, f.resource ?? undefined);
    },
  };
}

/** The CrossGuard policy of `rule`: resource rules validate resources, stack rules stacks. */
export function toCrossGuard(
  rule: TarsfedRule,
  options: CrossGuardOptions,
): ResourceValidationPolicy | StackValidationPolicy {
  return rule.kind === "resource" ? resourcePolicy(rule, options) : stackPolicy(rule, options);
}
