/**
 * A throwaway certificate authority for one local cluster, made with `openssl` (OpenSSL 3:
 * `req -x509 -CA` signs with another certificate, `-addext` adds extensions; openssl-req(1)).
 *
 * - the CA, which the API server trusts for client certificates (`--client-ca-file`);
 * - the API server's serving certificate, for 127.0.0.1 and localhost;
 * - an administrator's client certificate: organisation `system:masters`, the group Kubernetes'
 *   RBAC always allows (kubernetes.io/docs/reference/access-authn-authz/rbac/, "Default roles");
 * - the service-account signing key pair (`--service-account-signing-key-file`,
 *   `--service-account-key-file`, the controller-manager's `--service-account-private-key-file`).
 */
import { readFileSync } from "node:fs";
import * as path from "node:path";
import { runOk } from "../contract/exec";

/** The files of a cluster's PKI, and the PEM text the clients need. */
export interface ClusterPki {
  readonly caCert: string;
  readonly serverCert: string;
  readonly serverKey: string;
  readonly adminCert: string;
  readonly adminKey: string;
  readonly serviceAccountKey: string;
  readonly serviceAccountPub: string;
  /** PEM text of the CA certificate, the admin certificate and its key. */
  readonly pem: { readonly ca: string; readonly cert: string; readonly key: string };
}

const EC = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"];

/** Makes the PKI of one cluster in `dir`, valid for a day. */
export async function makePki(dir: string, clusterName: string): Promise<ClusterPki> {
  const file = (name: string) => path.join(dir, name);
  const openssl = (args: readonly string[]) => runOk("openssl", args, { timeoutSeconds: 60 });
  await openssl([
    "req",
    "-x509",
    ...EC,
    "-days",
    "1",
    "-subj",
    `/CN=tarsfed-e2e-${clusterName}-ca`,
    "-addext",
    "basicConstraints=critical,CA:TRUE",
    "-addext",
    "keyUsage=critical,keyCertSign,cRLSign,digitalSignature",
    "-keyout",
    file("ca.key"),
    "-out",
    file("ca.crt"),
  ]);
  const signed = (name: string, subject: string, extensions: readonly string[]) =>
    openssl([
      "req",
      "-x509",
      ...EC,
      "-days",
      "1",
      "-subj",
      subject,
      "-CA",
      file("ca.crt"),
      "-CAkey",
      file("ca.key"),
      ...extensions.flatMap((extension) => ["-addext", extension]),
      "-keyout",
      file(`${name}.key`),
      "-out",
      file(`${name}.crt`),
    ]);
  await signed("apiserver", "/CN=kube-apiserver", [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    "extendedKeyUsage=serverAuth",
    "subjectAltName=IP:127.0.0.1,DNS:localhost,DNS:kubernetes,DNS:kubernetes.default,DNS:kubernetes.default.svc",
  ]);
  await signed("admin", "/O=system:masters/CN=tarsfed-e2e-admin", [
    "basicConstraints=critical,CA:FALSE",
    "keyUsage=critical,digitalSignature,keyEncipherment",
    "extendedKeyUsage=clientAuth",
  ]);
  await openssl([
    "genpkey",
    "-algorithm",
    "RSA",
    "-pkeyopt",
    "rsa_keygen_bits:2048",
    "-out",
    file("sa.key"),
  ]);
  await openssl(["pkey", "-in", file("sa.key"), "-pubout", "-out", file("sa.pub")]);
  return {
    caCert: file("ca.crt"),
    serverCert: file("apiserver.crt"),
    serverKey: file("apiserver.key"),
    adminCert: file("admin.crt"),
    adminKey: file("admin.key"),
    serviceAccountKey: file("sa.key"),
    serviceAccountPub: file("sa.pub"),
    pem: {
      ca: readFileSync(file("ca.crt"), "utf8"),
      cert: readFileSync(file("admin.crt"), "utf8"),
      key: readFileSync(file("admin.key"), "utf8"),
    },
  };
}
