/**
 * A worker thread that plans stacks: receives `WorkerRequest`s, answers `WorkerReply`s.
 */
import { parentPort } from "node:worker_threads";
import { runStack, StackRunError } from "./run-stack";
import { type WorkerReply, type WorkerRequest } from "./stack-pool";

const port = parentPort;
if (port === null) throw new Error("stack-worker.ts runs only as a worker thread");

port.on("message", (request: WorkerRequest) => {
  runStack({ ...request, references: new Map(request.references) }).then(
    (result) => port.postMessage({ id: request.id, result } satisfies WorkerReply),
    (error: unknown) => {
      const problems = error instanceof StackRunError ? error.problems : undefined;
      const message = error instanceof Error ? error.message : String(error);
      const stack = error instanceof Error ? error.stack : undefined;
      port.postMessage({
        id: request.id,
        error: { message, stack, problems },
      } satisfies WorkerReply);
    },
  );
});
