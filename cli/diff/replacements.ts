/**
 * Which input changes replace a resource rather than update it, per provider package.
 *
 * The knowledge lives with each provider: Tencent Cloud's in the local SDK
 * (`replaceOnChangesByType`, generated from the provider's `ForceNew` flags), Kubernetes' in
 * `kubernetes-replacements.ts` (the Pulumi Kubernetes provider's table), and the rules for the
 * rest here.
 */
import { replaceOnChangesByType } from "@pulumi/tencentcloud";
import { type PlannedResource } from "../../fleet/stacks/plan-document";
import { type PathSegment } from "./fields";
import { kubernetesProviderFlags, kubernetesReplaceOnChanges } from "./kubernetes-replacements";

/** Dotted input paths whose change replaces the resource, or every input. */
export type ReplaceRule = readonly string[] | "every-input";

function isImmutableObject(resource: PlannedResource | undefined): boolean {
  return resource?.inputs.immutable === true;
}

/**
 * The replacement rule for a resource changing from `base` to `head`.
 *
 * - `tencentcloud:*`: the SDK's `replaceOnChangesByType` (Terraform `ForceNew`).
 * - `kubernetes:*`: the Pulumi Kubernetes provider's table, with the ConfigMap and Secret
 *   mutability of `head`'s provider (`providerOf` finds it in the head plan).
 * - `random:*`: every input; each argument of the random provider's resources is
 *   `RequiresReplace`, so any change generates a new value (e.g.
 *   https://github.com/hashicorp/terraform-provider-random/blob/main/internal/provider/resource_password.go).
 * - Providers (`pulumi:providers:*`): none; a provider's new settings are an update, and the
 *   resources it manages keep their identity.
 * - Components: none; they register no inputs.
 */
export function replaceRuleFor(
  base: PlannedResource,
  head: PlannedResource,
  providerOf: (urn: string) => PlannedResource | undefined,
): ReplaceRule {
  const type = head.type;
  if (type.startsWith("pulumi:providers:") || !head.custom) return [];
  if (type.startsWith("tencentcloud:")) return replaceOnChangesByType[type] ?? [];
  if (type.startsWith("random:")) return "every-input";
  if (type.startsWith("kubernetes:")) {
    const provider = head.provider === null ? undefined : providerOf(head.provider);
    const flags = kubernetesProviderFlags(provider?.inputs ?? {});
    const immutable = isImmutableObject(base) || isImmutableObject(head);
    return kubernetesReplaceOnChanges(type, immutable, flags);
  }
  return [];
}

/**
 * Whether a change at `path` falls under `rule`.
 *
 * Array indexes are ignored: `workerConfigs.subnetId` names the field in every element of
 * `workerConfigs`, as Pulumi's `replaceOnChanges` paths do. A path under a listed one matches
 * (`autoScalingConfig` listed → `autoScalingConfig.instanceType` replaces).
 */
export function replacesAt(path: readonly PathSegment[], rule: ReplaceRule): boolean {
  if (rule === "every-input") return true;
  const keys = path.filter((s): s is string => typeof s === "string");
  return rule.some((listed) => {
    const parts = listed.split(".");
    return parts.length <= keys.length && parts.every((part, i) => keys[i] === part);
  });
}
