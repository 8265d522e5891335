/**
 * Hashes of the framework's Secrets and of the database's ConfigMap, for the objects that must
 * follow their content: the database Job's name and the pod-template annotations of the pods that
 * load them (`fleet/k8s/database.ts`, {@link secretContentHash}; `fleet/k8s/db-config.ts`).
 */
import * as pulumi from "@pulumi/pulumi";
import { secretContentHash, secretHashAnnotation, secretsLoaded } from "../fleet/k8s/database";
import { configHashAnnotation, configMapsLoaded } from "../fleet/k8s/db-config";
import { type PodTemplated, withPodTemplateAnnotations } from "../fleet/k8s/types";

/**
 * Secret or ConfigMap name → hash of its content. A pod loading a Secret of that name gets
 * `secret-hash.tarsfed.io/<name>`, one loading a ConfigMap of that name
 * `config-hash.tarsfed.io/<name>`; the framework's names (`tars-db`, `tars-db-config`) differ.
 */
export type SecretHashes = ReadonlyMap<string, pulumi.Input<string>>;

/**
 * The hash of a Secret's `stringData`, as a plain (not secret) output.
 *
 * The data holds passwords, so Pulumi marks the hash secret; it is unmarked so that it can name a
 * Job and show in a diff. That reveals nothing useful: 12 hex digits (48 bits) of a SHA-256 can't
 * be inverted, and guessing the input means guessing 24 random characters of the passwords
 * (`components/tars-database-instance.ts`), far beyond any search. An HMAC would need a key the
 * program keeps somewhere, for no gain.
 */
export function secretDataHash(
  data: Readonly<Record<string, pulumi.Input<string>>>,
): pulumi.Output<string> {
  return pulumi.unsecret(pulumi.all(data).apply(secretContentHash));
}

/**
 * `manifest` with, in its pod template, the annotation `secret-hash.tarsfed.io/<Secret>` for each
 * Secret of `hashes` its pods load, and `config-hash.tarsfed.io/<ConfigMap>` for each such
 * ConfigMap: a changed password or host changes the template, so the pods roll and read the new
 * values. A manifest loading none of them is returned as it is.
 *
 * The values are outputs inside a manifest typed with strings; the Pulumi Args it is cast to
 * (`k8s-args.ts`) take inputs at every level, so the engine resolves them.
 */
export function withSecretHashes<M extends PodTemplated>(manifest: M, hashes: SecretHashes): M {
  const template = manifest.spec?.template;
  if (template?.spec === undefined) return manifest;
  const annotate = (names: readonly string[], key: (name: string) => string) =>
    names.flatMap((name) => {
      const hash = hashes.get(name);
      return hash === undefined ? [] : [[key(name), hash]];
    });
  const annotations = Object.fromEntries([
    ...annotate(secretsLoaded(template.spec), secretHashAnnotation),
    ...annotate(configMapsLoaded(template.spec), configHashAnnotation),
  ]) as Record<string, string>;
  return withPodTemplateAnnotations(manifest, annotations);
}
