/**
 * Runs stack plans in worker threads, so the stacks of one wave plan in parallel on several cores.
 *
 * Pulumi's runtime keeps its state per process (per thread), so each worker plans one stack at a
 * time in its own copy of the runtime, exactly as `runStack` does in the main thread. Inputs and
 * results cross the thread boundary as plain data. Starting a worker loads the SDKs (about a
 * second), so the planner uses workers only for waves big enough to pay for it.
 */
import * as path from "node:path";
import { Worker } from "node:worker_threads";
import {
  type RunStackInput,
  type RunStackResult,
  StackRunError,
  type StackOutputsForReference,
} from "./run-stack";

/** What crosses into a worker: a stack run without its program (workers run the project's). */
export interface WorkerRequest {
  readonly id: number;
  readonly stack: string;
  readonly config: Readonly<Record<string, string>>;
  readonly secretKeys: readonly string[];
  readonly references: readonly (readonly [string, StackOutputsForReference])[];
  readonly env?: Readonly<Record<string, string>>;
}

/** What comes back. */
export type WorkerReply =
  | { readonly id: number; readonly result: RunStackResult }
  | {
      readonly id: number;
      readonly error: {
        readonly message: string;
        readonly stack?: string;
        readonly problems?: readonly string[];
      };
    };

const WORKER_MAIN = path.join(__dirname, "stack-worker.ts");

/** A fixed number of workers, each planning one stack at a time. */
export class StackPool {
  private readonly idle: Worker[] = [];
  private readonly waiting: ((worker: Worker) => void)[] = [];
  private readonly all: Worker[] = [];
  private nextId = 0;

  constructor(private readonly size: number) {}

  private spawn(): Worker {
    // Workers load TypeScript through tsx, like the CLI's own entry point.
    const worker = new Worker(`require("tsx/cjs"); require(${JSON.stringify(WORKER_MAIN)});`, {
      eval: true,
    });
    this.all.push(worker);
    return worker;
  }

  private acquire(): Promise<Worker> {
    const worker = this.idle.pop();
    if (worker !== undefined) return Promise.resolve(worker);
    if (this.all.length < this.size) return Promise.resolve(this.spawn());
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(worker: Worker): void {
    const next = this.waiting.shift();
    if (next !== undefined) next(worker);
    else this.idle.push(worker);
  }

  /** Plans one stack in a worker. */
  async run(input: Omit<RunStackInput, "program">): Promise<RunStackResult> {
    const worker = await this.acquire();
    const id = this.nextId++;
    const request: WorkerRequest = {
      id,
      stack: input.stack,
      config: input.config,
      secretKeys: input.secretKeys,
      references: [...input.references],
      ...(input.env === undefined ? {} : { env: input.env }),
    };
    try {
      return await new Promise<RunStackResult>((resolve, reject) => {
        const onMessage = (reply: WorkerReply) => {
          if (reply.id !== id) return;
          worker.off("message", onMessage);
          worker.off("error", onError);
          if ("result" in reply) resolve(reply.result);
          else if (reply.error.problems !== undefined)
            reject(new StackRunError(input.stack, reply.error.problems));
          else reject(Object.assign(new Error(reply.error.message), { stack: reply.error.stack }));
        };
        const onError = (error: Error) => {
          worker.off("message", onMessage);
          reject(error);
        };
        worker.on("message", onMessage);
        worker.once("error", onError);
        worker.postMessage(request);
      });
    } finally {
      this.release(worker);
    }
  }

  /** Stops every worker. */
  async close(): Promise<void> {
    await Promise.all(this.all.map((w) => w.terminate()));
    this.all.length = 0;
    this.idle.length = 0;
  }
}
