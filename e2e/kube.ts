/**
 * A few Kubernetes API calls over HTTPS with a client certificate, with Node's own `https`:
 * enough to create objects, read them and wait for a condition.
 */
import * as https from "node:https";

/** Where an API server is and how to reach it. */
export interface KubeEndpoint {
  /** `https://127.0.0.1:<port>` */
  readonly server: string;
  readonly ca: string;
  readonly cert: string;
  readonly key: string;
}

/** A JSON object from the API. */
export type KubeObject = Record<string, unknown>;

/** An API answer: the HTTP status and the body, parsed when it is JSON. */
export interface KubeResponse {
  readonly status: number;
  readonly body: string;
  readonly json: KubeObject | undefined;
}

/** Sends one request to the API server. Never throws for an HTTP status, only for no answer. */
export function kubeRequest(
  endpoint: KubeEndpoint,
  method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE",
  apiPath: string,
  body?: unknown,
  timeoutSeconds = 15,
): Promise<KubeResponse> {
  return new Promise((resolve, reject) => {
    const url = new URL(apiPath, endpoint.server);
    const payload = body === undefined ? undefined : JSON.stringify(body);
    const request = https.request(
      url,
      {
        method,
        ca: endpoint.ca,
        cert: endpoint.cert,
        key: endpoint.key,
        headers: {
          Accept: "application/json",
          ...(payload === undefined ? {} : { "Content-Type": "application/json" }),
        },
        timeout: timeoutSeconds * 1000,
      },
      (response) => {
        let text = "";
        response.setEncoding("utf8");
        response.on("data", (chunk: string) => (text += chunk));
        response.on("end", () => {
          let json: KubeObject | undefined;
          try {
            json = JSON.parse(text) as KubeObject;
          } catch {
            json = undefined;
          }
          resolve({ status: response.statusCode ?? 0, body: text, json });
        });
      },
    );
    request.on("timeout", () =>
      request.destroy(new Error(`${method} ${apiPath}: no answer in ${timeoutSeconds}s`)),
    );
    request.on("error", reject);
    request.end(payload);
  });
}

/** Creates an object; an existing one (409) counts as done. Throws on any other error status. */
export async function create(
  endpoint: KubeEndpoint,
  collection: string,
  object: KubeObject,
): Promise<void> {
  const response = await kubeRequest(endpoint, "POST", collection, object);
  if (response.status !== 201 && response.status !== 200 && response.status !== 409)
    throw new Error(`POST ${collection}: HTTP ${response.status}: ${response.body.slice(0, 500)}`);
}

/**
 * `count` hostPath PersistentVolumes `<prefix>-<i>` of `storageClass`, for a cluster's volume
 * claims to bind to (kwok mounts nothing: the claims only need to be Bound).
 */
export async function createHostPathVolumes(
  endpoint: KubeEndpoint,
  storageClass: string,
  prefix: string,
  count: number,
): Promise<void> {
  for (let i = 0; i < count; i++)
    await create(endpoint, "/api/v1/persistentvolumes", {
      apiVersion: "v1",
      kind: "PersistentVolume",
      metadata: { name: `${prefix}-${i}` },
      spec: {
        storageClassName: storageClass,
        capacity: { storage: "20Gi" },
        accessModes: ["ReadWriteOnce", "ReadWriteMany"],
        persistentVolumeReclaimPolicy: "Retain",
        hostPath: { path: `/var/lib/${prefix}-${i}`, type: "DirectoryOrCreate" },
      },
    });
}

/** Reads an object, or undefined when it does not exist. */
export async function read(
  endpoint: KubeEndpoint,
  apiPath: string,
): Promise<KubeObject | undefined> {
  const response = await kubeRequest(endpoint, "GET", apiPath);
  if (response.status === 404) return undefined;
  if (response.status !== 200)
    throw new Error(`GET ${apiPath}: HTTP ${response.status}: ${response.body.slice(0, 500)}`);
  return response.json;
}

/**
 * Polls `check` every `intervalMs` until it returns a value other than undefined, or throws after
 * `timeoutSeconds` with the last thing `describe` said.
 */
export async function waitFor<T>(
  what: string,
  timeoutSeconds: number,
  check: () => Promise<T | undefined>,
  describe: () => string = () => "",
  intervalMs = 500,
): Promise<T> {
  const deadline = Date.now() + timeoutSeconds * 1000;
  let lastError = "";
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      lastError = error instanceof Error ? error.message : String(error);
    }
    if (Date.now() > deadline) {
      const detail = [describe(), lastError].filter((s) => s !== "").join("; ");
      throw new Error(
        `${what}: not within ${timeoutSeconds}s${detail === "" ? "" : ` (${detail})`}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}

/** The status of condition `type` of an object, e.g. a Deployment's `Available`. */
export function conditionStatus(object: KubeObject | undefined, type: string): string | undefined {
  const status = object?.status as
    { conditions?: { type?: string; status?: string }[] } | undefined;
  return status?.conditions?.find((condition) => condition.type === type)?.status;
}
