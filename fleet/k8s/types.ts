/**
 * Kubernetes object types as this project builds them: every object has an explicit name (and,
 * for namespaced kinds, a namespace), and objects with a spec always have one.
 */
import { type IObjectMeta } from "@kubernetes-models/apimachinery/apis/meta/v1/ObjectMeta";

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
