/**
 * Baseline programs the plan is measured against, run under the same mocks by the same runner.
 *
 * - `replay`: the same resources the plan registered (same types, names and inputs), registered
 *   directly as plain resources, with none of this project's code around them. The ratio to it is
 *   what this project's program costs on top of registering its resources.
 * - `minimal`: as many resources as the plan, each a plain resource with a one-field input. The
 *   ratio to it is the whole cost per resource of large Kubernetes payloads plus the program.
 */
import * as pulumi from "@pulumi/pulumi";
import { type PlannedResource } from "../cli/plan/types";

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

/** Registers `count` plain resources with a one-field input. */
export function minimalProgram(count: number): Program {
  return () => {
    for (let i = 0; i < count; i++)
      new PlainResource("bench:index:Plain", `plain-${i}`, { index: i });
    return Promise.resolve({});
  };
}
