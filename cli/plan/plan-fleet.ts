/**
 * Plans every stack a fleet implies (or some of them), in dependency order, offline.
 */
import { type LoadedFleet } from "../../fleet/load";
import { stackOrder } from "../../fleet/slice";
import { UserError } from "../errors";
import { offlineStackConfig } from "../offline/stack-config";
import { runStack, type StackOutputsForReference } from "../offline/run-stack";
import { type FleetPlan, type StackPlan } from "./types";

/** Progress of a plan, for a terminal. */
export interface PlanProgress {
  stackStarted(stack: string): void;
  stackDone(stack: string, resources: number, seconds: number): void;
}

/** Options of {@link planFleet}. */
export interface PlanFleetOptions {
  /** Stacks to report; the stacks they read from are planned too. @default - every stack */
  readonly stacks?: readonly string[];
  readonly progress?: PlanProgress;
}

/** Plans `fleet`'s stacks offline; policy findings are added by the caller. */
export async function planFleet(
  fleet: LoadedFleet,
  options: PlanFleetOptions = {},
): Promise<FleetPlan> {
  const order = stackOrder(fleet.spec);
  const wanted = options.stacks ?? order;
  for (const stack of wanted) {
    if (!order.includes(stack))
      throw new UserError(`unknown stack "${stack}", expected one of ${order.join(", ")}`, 2);
  }
  // A region stack reads global's outputs, and home's: plan those first even when not asked for.
  const last = Math.max(...wanted.map((s) => order.indexOf(s)));
  const needed = order.slice(0, last + 1).filter((s, i) => i < 2 || wanted.includes(s));
  const references = new Map<string, StackOutputsForReference>();
  const stacks: StackPlan[] = [];
  for (const stack of needed) {
    const started = Date.now();
    options.progress?.stackStarted(stack);
    const { config, secretKeys } = offlineStackConfig(fleet.spec, fleet.file, stack);
    const result = await runStack({ stack, config, secretKeys, references });
    references.set(stack, result.referenceOutputs);
    options.progress?.stackDone(stack, result.resources.length, (Date.now() - started) / 1000);
    if (wanted.includes(stack)) {
      stacks.push({
        name: stack,
        resources: result.resources,
        outputs: result.outputs,
        violations: [],
      });
    }
  }
  return { fleet: fleet.spec.name, stacks };
}
