/**
 * Seeding a stack's outputs where a real `up` of it cannot run here (its resources are Tencent
 * Cloud's): `pulumi stack import` of a deployment whose one resource is the stack's
 * `pulumi:pulumi:Stack`, holding the outputs the offline plan computed for it, so the stacks that
 * read it do so through their real StackReferences. Used by the demo preview and the home-dark
 * drill.
 */
import { type Stack } from "@pulumi/pulumi/automation";
import { type StackOutputsForReference } from "../cli/offline/run-stack";
import { PULUMI_PROJECT } from "../fleet/model/naming";

const STACK_TYPE = "pulumi:pulumi:Stack";

/**
 * A secret in a deployment: the signature key and the secret signature with the value as JSON
 * `plaintext`, which `pulumi stack import` accepts instead of `ciphertext` and encrypts with the
 * stack's secrets provider (pulumi/pulumi v3.248.0: `sdk/go/common/resource/sig/sig.go`, `Key`
 * and `Secret`; `pkg/resource/stack/deployment.go`, `DeserializePropertyValue`: "exactly one of
 * `ciphertext` or `plaintext` must be supplied").
 */
function plaintextSecret(value: unknown): Record<string, string> {
  return {
    "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270",
    plaintext: JSON.stringify(value),
  };
}

/** Seeds `stack` with `outputs` as those of its `pulumi:pulumi:Stack` (what a StackReference reads). */
export async function seedOutputs(stack: Stack, outputs: StackOutputsForReference): Promise<void> {
  const exported = await stack.exportStack();
  const secret = new Set(outputs.secretNames);
  const values = Object.fromEntries(
    Object.entries(outputs.values).map(([key, value]) => [
      key,
      secret.has(key) ? plaintextSecret(value) : value,
    ]),
  );
  const deployment = (exported.deployment ?? {}) as Record<string, unknown>;
  await stack.importStack({
    version: exported.version,
    deployment: {
      ...deployment,
      resources: [
        {
          urn: `urn:pulumi:${stack.name}::${PULUMI_PROJECT}::${STACK_TYPE}::${PULUMI_PROJECT}-${stack.name}`,
          custom: false,
          type: STACK_TYPE,
          outputs: values,
        },
      ],
    },
  });
}
