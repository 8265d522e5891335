/**
 * Checks Kubernetes objects against the Kubernetes API schema (kubernetes-models) and the rules
 * the schema lacks (`checks.ts`).
 */
import { createRequire } from "node:module";
import { type FieldPath, formatPath } from "../../fleet/model/issues";
import { SECRET_MASK, UNKNOWN_MASK } from "../offline/values";
import { type Json } from "../../fleet/stacks/plan-document";
import { checkBeyondSchema, valueAt, type Masked } from "./checks";
import {
  type KubernetesObject,
  type ManifestObject,
  type ManifestProblem,
  problemOf,
} from "./types";

// Model classes are loaded one kind at a time: importing the whole index costs about 0.6 s.
const load = createRequire(__filename);

/** The Kubernetes release whose OpenAPI spec kubernetes-models 4.5 was generated from. */
export const KUBERNETES_API_VERSION = "v1.33";

/** The installed kubernetes-models version, for messages. */
export const KUBERNETES_MODELS_VERSION: string = (
  load("kubernetes-models/package.json") as { version: string }
).version;

/** A kubernetes-models class: `new Class(object).validate()` throws when the object is invalid. */
interface ModelClass {
  new (data: KubernetesObject): { validate(): void };
  readonly apiVersion?: string;
  readonly kind?: string;
}

/** An ajv error, as kubernetes-models' `ValidationError.errors` holds them. */
interface SchemaError {
  readonly instancePath: string;
  readonly keyword: string;
  readonly params: { readonly [key: string]: unknown };
  readonly message?: string;
}

// A group or version is a DNS subdomain; a kind is CamelCase. Anything else is never a module path.
const API_PART = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const KIND = /^[A-Z][A-Za-z0-9]*$/;

const classes = new Map<string, ModelClass | null>();

function isModelClass(value: unknown): value is ModelClass {
  return typeof value === "function" && "apiVersion" in value && "kind" in value;
}

/**
 * The kubernetes-models class of `apiVersion`/`kind`, or null when the API has no such kind:
 * `apps/v1` `Deployment` is `kubernetes-models/apps/v1/Deployment`, core `v1` `Service` is
 * `kubernetes-models/v1/Service`.
 */
export function modelClass(apiVersion: string, kind: string): ModelClass | null {
  const key = `${apiVersion}/${kind}`;
  const cached = classes.get(key);
  if (cached !== undefined) return cached;
  const parts = apiVersion.split("/");
  let found: ModelClass | null = null;
  if (parts.length <= 2 && parts.every((p) => API_PART.test(p)) && KIND.test(kind)) {
    try {
      const exported = (load(`kubernetes-models/${key}`) as Record<string, unknown>)[kind];
      // Parts of objects (`v1/Affinity`) are classes too, but have no apiVersion and kind.
      if (isModelClass(exported) && exported.apiVersion === apiVersion && exported.kind === kind)
        found = exported;
    } catch (error) {
      const code = (error as { code?: unknown }).code;
      if (code !== "MODULE_NOT_FOUND" && code !== "ERR_PACKAGE_PATH_NOT_EXPORTED") throw error;
    }
  }
  classes.set(key, found);
  return found;
}

/** Whether a value is shown masked offline: its real value is unknown, so it isn't checked. */
export const isMasked: Masked = (value) => value === SECRET_MASK || value === UNKNOWN_MASK;

function schemaErrorsOf(error: unknown): readonly SchemaError[] | null {
  if (!(error instanceof Error) || !("errors" in error) || !Array.isArray(error.errors))
    return null;
  return error.errors as SchemaError[];
}

/** A JSON pointer (`/spec/ports/0/port`) as a field path over `object`: list indexes as numbers. */
export function pointerPath(object: Json, pointer: string): FieldPath {
  const path: (string | number)[] = [];
  for (const raw of pointer.split("/").slice(1)) {
    const segment = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    path.push(Array.isArray(valueAt(object, path)) ? Number(segment) : segment);
  }
  return path;
}

function describe(value: Json | undefined): string {
  if (Array.isArray(value)) return "a list";
  if (typeof value === "object" && value !== null) return "an object";
  return JSON.stringify(value);
}

/** One schema error: where, what the schema asks for, and the value found. */
interface SchemaFinding {
  readonly path: FieldPath;
  readonly keyword: string;
  /** `must be integer`, `is required`. */
  readonly requirement: string;
  readonly value: Json | undefined;
}

function findingOf(object: KubernetesObject, error: SchemaError): SchemaFinding {
  const path = pointerPath(object, error.instancePath);
  const value = valueAt(object, path);
  const { keyword, params } = error;
  if (keyword === "required" && typeof params.missingProperty === "string")
    return { path: [...path, params.missingProperty], keyword, requirement: "is required", value };
  if (keyword === "enum" && Array.isArray(params.allowedValues))
    return {
      path,
      keyword,
      requirement: `must be one of ${params.allowedValues.map(String).join(", ")}`,
      value,
    };
  return { path, keyword, requirement: error.message ?? `must satisfy ${keyword}`, value };
}

/**
 * The message for the findings at one field. An int-or-string or quantity field fails each of its
 * `oneOf` alternatives and then the `oneOf` itself; say that once, as the alternatives joined.
 */
function messagesAt(findings: readonly SchemaFinding[]): string[] {
  const got = (f: SchemaFinding) =>
    f.keyword === "required" ? f.requirement : `${f.requirement}, got ${describe(f.value)}`;
  const first = findings[0];
  if (first === undefined) return [];
  if (!findings.some((f) => f.keyword === "oneOf" || f.keyword === "anyOf"))
    return [...new Set(findings.map(got))];
  let previousBe = false;
  const alternatives = findings
    .filter((f) => f.keyword !== "oneOf" && f.keyword !== "anyOf")
    .map((f) => {
      const wish = f.requirement.replace(/^must /, "");
      const trimmed = previousBe && wish.startsWith("be ") ? wish.slice(3) : wish;
      previousBe = wish.startsWith("be ");
      return trimmed;
    });
  return [`must ${alternatives.join(" or ")}, got ${describe(first.value)}`];
}

/** Schema problems of one object whose kind kubernetes-models knows. */
function schemaProblems(object: ManifestObject, model: ModelClass): ManifestProblem[] {
  try {
    new model(object.object).validate();
    return [];
  } catch (error) {
    const errors = schemaErrorsOf(error);
    if (errors === null) throw error;
    const byField = new Map<string, SchemaFinding[]>();
    for (const schemaError of errors) {
      const finding = findingOf(object.object, schemaError);
      // A masked value is a placeholder for one Pulumi fills in at deploy time.
      if (isMasked(finding.value)) continue;
      const field = formatPath(finding.path);
      byField.set(field, [...(byField.get(field) ?? []), finding]);
    }
    return [...byField].flatMap(([field, findings]) =>
      messagesAt(findings).map((message) => problemOf(object, field, message)),
    );
  }
}

/** Every problem of one object: unknown kind or schema errors, then the rules the schema lacks. */
export function validateManifest(object: ManifestObject): ManifestProblem[] {
  const model = modelClass(object.apiVersion, object.kind);
  const problems =
    model === null
      ? [
          problemOf(
            object,
            "kind",
            `unknown kind ${JSON.stringify(object.kind)} in apiVersion ${JSON.stringify(object.apiVersion)}: not in the Kubernetes ${KUBERNETES_API_VERSION} API of kubernetes-models ${KUBERNETES_MODELS_VERSION}`,
          ),
        ]
      : schemaProblems(object, model);
  for (const finding of checkBeyondSchema(object.object, object.kind, isMasked))
    problems.push(problemOf(object, formatPath(finding.path), finding.message));
  return problems;
}

/** Objects that would be the same Kubernetes object: one cluster, kind, namespace and name. */
function duplicateProblems(objects: readonly ManifestObject[]): ManifestProblem[] {
  const seen = new Map<string, ManifestObject>();
  const problems: ManifestProblem[] = [];
  for (const object of objects) {
    if (object.name === "") continue; // reported as missing already
    const key = [object.cluster, object.kind, object.namespace ?? "", object.name].join("\0");
    const first = seen.get(key);
    if (first === undefined) seen.set(key, object);
    else
      problems.push(
        problemOf(object, "metadata.name", `defined twice: by ${first.urn} and ${object.urn}`),
      );
  }
  return problems;
}

/** Every problem of every object, in object order. */
export function validateManifests(objects: readonly ManifestObject[]): ManifestProblem[] {
  return [...objects.flatMap(validateManifest), ...duplicateProblems(objects)];
}
