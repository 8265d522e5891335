/**
 * Pulumi's wire encoding of special values (secrets, resource references, unknowns), and the
 * display rule of this project: a secret never leaves the process except as `[secret]`.
 * @see https://github.com/pulumi/pulumi/blob/master/sdk/nodejs/runtime/rpc.ts
 */
import {
  specialResourceSig,
  specialSecretSig,
  specialSigKey,
  unknownValue,
} from "@pulumi/pulumi/runtime/rpc";

/** How a secret value is shown anywhere outside the engine. */
export const SECRET_MASK = "[secret]";

/** How a value not known until deploy time is shown. */
export const UNKNOWN_MASK = "[unknown]";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Wraps a value the way the engine marks a secret. */
export function wrapSecret(value: unknown): Record<string, unknown> {
  return { [specialSigKey]: specialSecretSig, value };
}

/** Whether a wire value is a wrapped secret. */
export function isWrappedSecret(value: unknown): value is { value: unknown } {
  return isRecord(value) && value[specialSigKey] === specialSecretSig;
}

/**
 * Turns wire values into plain data for display: secrets become `[secret]`, resource references
 * their URN, unknowns `[unknown]`.
 */
export function toDisplay(value: unknown): Json {
  if (value === unknownValue) return UNKNOWN_MASK;
  if (Array.isArray(value)) return value.map(toDisplay);
  if (isRecord(value)) {
    if (value[specialSigKey] === specialSecretSig) return SECRET_MASK;
    if (value[specialSigKey] === specialResourceSig)
      return typeof value.urn === "string" ? value.urn : UNKNOWN_MASK;
    const out: { [key: string]: Json } = {};
    for (const [k, v] of Object.entries(value)) {
      if (v !== undefined) out[k] = toDisplay(v);
    }
    return out;
  }
  if (value === undefined) return null;
  return value as Json;
}

/** Turns wire values into plain data, keeping secret values (for stack references only). */
export function unwrapSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unwrapSecrets);
  if (isRecord(value)) {
    if (value[specialSigKey] === specialSecretSig) return unwrapSecrets(value.value);
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
  }
  return value;
}
