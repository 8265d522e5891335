/**
 * Every tarsnode machine checks its package's sha256 before unpacking it, and fetches it over
 * https unless it is tarsweb's in-VPC default.
 *
 * The CVM bootstrap (`fleet/tars/tarsnode-script.ts`) unpacks `tarsnode.tgz` and runs it as root. It
 * embeds the fleet's digest as `PACKAGE_SHA256` and checks each download with `sha256sum --check`
 * before tar reads it; plain http is used only for `http://<private IPv4>:3000/files/tarsnode.tgz`,
 * tarsweb over the VPCs (README, "Why plain http is left to tarsweb"). This rule holds every CVM
 * whose user data is that bootstrap to it, so no change to the script or the component can drop
 * the check unnoticed. User data that is not known yet (a real preview) is skipped.
 */
import { isPrivateCidr, parseCidr } from "../../fleet/network/cidr";
import { defaultTarsnodePackageUrl } from "../../fleet/tars/tarsnode-bootstrap";
import { BOOTSTRAP_GENERATED_BY, PACKAGE_CHECK } from "../../fleet/tars/tarsnode-script";
import { type Props } from "../props";
import { EnforcementLevel, type ResourceRule } from "../rule";
import { TencentType } from "../tokens";

/** The value of the script's top-level `NAME='value'` line, if it has one. */
function assigned(script: string, name: string): string | undefined {
  return new RegExp(`^${name}='([^']*)'$`, "m").exec(script)?.[1];
}

/** Whether `url` is tarsweb's default package URL at a private IPv4 address. */
function isTarswebDefault(url: string): boolean {
  const host = /^http:\/\/([\d.]+):/.exec(url)?.[1];
  if (host === undefined || defaultTarsnodePackageUrl(host) !== url) return false;
  const parsed = parseCidr(`${host}/32`);
  return parsed.ok && isPrivateCidr(parsed.cidr);
}

/** What is wrong with how a CVM's tarsnode bootstrap gets its package, if anything. */
export function tarsnodePackageProblems(props: Props): string[] {
  const script = props.userDataRaw;
  if (typeof script !== "string" || !script.includes(`\n${BOOTSTRAP_GENERATED_BY}\n`)) return [];
  const problems: string[] = [];
  const digest = assigned(script, "PACKAGE_SHA256");
  if (digest === undefined || !/^[0-9a-f]{64}$/.test(digest)) {
    problems.push(
      "the tarsnode bootstrap names no package sha256 (PACKAGE_SHA256): it would unpack and run an unverified package as root",
    );
  } else if (!script.includes(`| ${PACKAGE_CHECK}; then`)) {
    problems.push(
      "the tarsnode bootstrap does not check the package's sha256 (sha256sum --check) before unpacking it",
    );
  }
  const url = assigned(script, "PACKAGE_URL");
  if (url !== undefined && !url.startsWith("https://") && !isTarswebDefault(url)) {
    problems.push(
      `the tarsnode package comes from ${url}: only tarsweb's default at a private address (http://<address>:3000/files/tarsnode.tgz) may be plain http; name an https URL`,
    );
  }
  return problems;
}

/** The rule. */
export const tarsnodePackageVerified: ResourceRule = {
  kind: "resource",
  name: "tarsnode-package-verified",
  description:
    "Every tarsnode CVM checks its package's sha256 before unpacking it, and fetches it over https unless from tarsweb in the VPC.",
  enforcementLevel: EnforcementLevel.Mandatory,
  resourceTypes: [TencentType.Instance],
  check: (resource) => tarsnodePackageProblems(resource.props),
};
