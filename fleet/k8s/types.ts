/**
 * Kubernetes object types as this project builds them: every object has an explicit name (and,
 * for namespaced kinds, a namespace), and objects with a spec always have one.
 */
import { type IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";
import { type IPodTemplateSpec } from "kubernetes-models/v1/PodTemplateSpec";

/** Metadata with the name and namespace always set: plans and diffs stay stable. */
export type NamedMeta = IObjectMeta & { name: string; namespace: string };

/** A namespaced object with explicit metadata. */
export type Named<T extends { metadata?: IObjectMeta }> = Omit<T, "metadata"> & {
  metadata: NamedMeta;
};

/** A namespaced object with explicit metadata and a spec. */
export type Spec<T extends { metadata?: IObjectMeta; spec?: unknown }> = Omit<Named<T>, "spec"> & {
  spec: NonNullable<T["spec"]>;
};

/** A workload manifest with a pod template. */
export interface PodTemplated {
  readonly spec?: { readonly template: IPodTemplateSpec };
}

/**
 * `manifest` with `annotations` added to its pod template's (a changed value changes the
 * template, so the pods roll); the manifest as it is when it has no pod template or none to add.
 */
export function withPodTemplateAnnotations<M extends PodTemplated>(
  manifest: M,
  annotations: Readonly<Record<string, string>>,
): M {
  const template = manifest.spec?.template;
  if (template === undefined || Object.keys(annotations).length === 0) return manifest;
  return {
    ...manifest,
    spec: {
      ...manifest.spec,
      template: {
        ...template,
        metadata: {
          ...template.metadata,
          annotations: { ...template.metadata?.annotations, ...annotations },
        },
      },
    },
  };
}
