/**
 * Baseline programs the plan is measured against, run under the same mocks by the same runner.
 *
 * - `replay`: the same number of plain resources, with the same types, names and inputs as the
 *   plan's, registered directly: no components' logic, no options, no SDK classes. This is the
 *   baseline the 1.25 goal is stated against.
 * - `typed`: the same resources registered through the same SDK classes the program uses
 *   (`@pulumi/kubernetes`, `@pulumi/tencentcloud`, `@pulumi/random`). The ratio to it is what this
 *   project's own code costs; the difference between `typed` and `replay` is what the SDK classes
 *   cost by themselves (Kubernetes classes add alias specs and extra outputs to every resource).
 * - `minimal`: as many resources as the plan, each a plain resource with a one-field input.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import * as tencentcloud from "@pulumi/tencentcloud";
import { type PlannedResource } from "../fleet/stacks/plan-document";

/** A Pulumi program (as `runStack` takes it). */
export type Program = () => Promise<Record<string, unknown>>;

const PROVIDER_PREFIX = "pulumi:providers:";

/** A custom resource of any type, registered with the inputs it is given. */
class PlainResource extends pulumi.CustomResource {
  constructor(type: string, name: string, inputs: pulumi.Inputs) {
    super(type, name, inputs);
  }
}

/** A provider of any package. */
class PlainProvider extends pulumi.ProviderResource {
  constructor(pkg: string, name: string, inputs: pulumi.Inputs) {
    super(pkg, name, inputs);
  }
}

/** A component of any type, with no outputs. */
class PlainComponent extends pulumi.ComponentResource {
  constructor(type: string, name: string) {
    super(type, name, {});
    this.registerOutputs({});
  }
}

/** Registers `resources` again, each as a plain resource with its recorded inputs. */
export function replayProgram(resources: readonly PlannedResource[]): Program {
  return () => {
    for (const r of resources) {
      if (r.type.startsWith(PROVIDER_PREFIX)) {
        new PlainProvider(r.type.slice(PROVIDER_PREFIX.length), r.name, r.inputs);
      } else if (r.custom) {
        new PlainResource(r.type, r.name, r.inputs);
      } else {
        new PlainComponent(r.type, r.name);
      }
    }
    return Promise.resolve({});
  };
}

type ResourceClass = new (
  name: string,
  args: pulumi.Inputs,
  opts?: pulumi.CustomResourceOptions,
) => pulumi.Resource;

function lookup(root: unknown, path: readonly string[]): ResourceClass | undefined {
  const found = path.reduce<unknown>(
    (node, key) => (node as Record<string, unknown> | undefined)?.[key],
    root,
  );
  return typeof found === "function" ? (found as ResourceClass) : undefined;
}

/** The SDK class registering `token`, e.g. `kubernetes:apps/v1:Deployment` → `k8s.apps.v1.Deployment`. */
export function sdkClassOf(token: string): ResourceClass | undefined {
  const [pkg, module, kind] = token.split(":");
  if (pkg === "kubernetes") return lookup(k8s, [...module.split("/"), kind]);
  if (pkg === "tencentcloud") return lookup(tencentcloud, [kind]);
  if (pkg === "random") return lookup(random, [kind]);
  return undefined;
}

/** Registers `resources` again through the SDK classes the program uses, with their inputs. */
export function typedProgram(resources: readonly PlannedResource[]): Program {
  return () => {
    for (const r of resources) {
      const Class =
        r.custom && !r.type.startsWith(PROVIDER_PREFIX) ? sdkClassOf(r.type) : undefined;
      if (Class !== undefined) new Class(r.name, r.inputs);
      else if (r.type.startsWith(PROVIDER_PREFIX))
        new PlainProvider(r.type.slice(PROVIDER_PREFIX.length), r.name, r.inputs);
      else if (r.custom) new PlainResource(r.type, r.name, r.inputs);
      else new PlainComponent(r.type, r.name);
    }
    return Promise.resolve({});
  };
}

/** Registers `count` plain resources with a one-field input. */
export function minimalProgram(count: number): Program {
  return () => {
    for (let i = 0; i < count; i++)
      new PlainResource("bench:index:Plain", `plain-${i}`, { index: i });
    return Promise.resolve({});
  };
}
