/**
 * Container image references, and the rule that every image is pinned.
 *
 * A pinned image names an exact build: a digest (`@sha256:…`) or a tag other than `latest`.
 * An untagged reference means `latest` to the container runtime, so it is not pinned either.
 * @see https://github.com/distribution/reference/blob/main/reference.go (grammar)
 */

const DIGEST = /@sha256:[0-9a-f]{64}$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const REPOSITORY =
  /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const REGISTRY_HOST = /^[A-Za-z0-9.-]+(?::\d+)?$/;

/** The parts of an image reference. */
export interface ImageReference {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** Splits `host/path:tag@digest`; returns why when it is not a valid reference. */
export function parseImage(
  ref: string,
): { ok: true; image: ImageReference } | { ok: false; reason: string } {
  let rest = ref;
  let digest: string | undefined;
  const at = rest.indexOf("@");
  if (at >= 0) {
    digest = rest.slice(at + 1);
    if (!DIGEST.test(rest.slice(at))) {
      return {
        ok: false,
        reason: `bad digest in image ${JSON.stringify(ref)}, expected @sha256:<64 hex digits>`,
      };
    }
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf("/");
  const colon = rest.lastIndexOf(":");
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag))
      return {
        ok: false,
        reason: `bad tag ${JSON.stringify(tag)} in image ${JSON.stringify(ref)}`,
      };
  }
  const parts = rest.split("/");
  const path =
    parts.length > 1 && /[.:]|^localhost$/.test(parts[0]) ? parts.slice(1).join("/") : rest;
  const hostOk = path === rest || REGISTRY_HOST.test(parts[0]);
  if (rest === "" || !hostOk || !REPOSITORY.test(path)) {
    return {
      ok: false,
      reason: `not an image reference, got ${JSON.stringify(ref)}, expected registry/repository:tag`,
    };
  }
  return { ok: true, image: { repository: rest, tag, digest } };
}

/**
 * Why `ref` is not a pinned image, or `undefined` when it is.
 *
 * @example pinnedImageProblem("nginx:latest") === 'image "nginx:latest" uses the latest tag, pin a version tag or a digest'
 */
export function pinnedImageProblem(ref: string): string | undefined {
  const parsed = parseImage(ref);
  if (!parsed.ok) return parsed.reason;
  const { tag, digest } = parsed.image;
  if (digest !== undefined) return undefined;
  if (tag === undefined)
    return `image ${JSON.stringify(ref)} has no tag, pin a version tag or a digest`;
  if (tag === "latest")
    return `image ${JSON.stringify(ref)} uses the latest tag, pin a version tag or a digest`;
  return undefined;
}
