import * as fs from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import { KWOK_STAGE_FILES, kubeconfigText, writeKwokStages } from "../../e2e/cluster";
import { emptyReport, formatReport, passed } from "../../e2e/report";
import { deploymentAvailable } from "../../e2e/smoke";
import { KUBE_APISERVER, stagingReplaces } from "../../e2e/tools";
import { ensureGoTool, toolBinary, toolsDir } from "../../tools/go-tools";

const scratch = fs.mkdtempSync(join(tmpdir(), "e2e-test-"));
afterAll(() => fs.rmSync(scratch, { recursive: true, force: true }));

describe("e2e tools", () => {
  it("replaces each Kubernetes staging module by its published version, and nothing else", () => {
    const goMod = [
      "module k8s.io/kubernetes",
      "replace (",
      "\tk8s.io/api => ./staging/src/k8s.io/api",
      "\tk8s.io/cri-client => ./staging/src/k8s.io/cri-client",
      "\tgithub.com/example/x => github.com/example/y v1.0.0",
      ")",
    ].join("\n");
    expect(stagingReplaces("v0.34.2")(goMod)).toEqual({
      "k8s.io/api": "k8s.io/api@v0.34.2",
      "k8s.io/cri-client": "k8s.io/cri-client@v0.34.2",
    });
  });

  it("keeps tools outside the checkout, or where TARSFED_TOOLS_DIR says", () => {
    expect(toolsDir({ HOME: "/home/u" })).toBe("/home/u/.cache/tarsfed/tools");
    expect(toolsDir({ HOME: "/home/u", TARSFED_TOOLS_DIR: "/opt/tools" })).toBe("/opt/tools");
  });

  it("reuses a built tool without Go, with the build time recorded when it was built", async () => {
    const cache = join(scratch, "cache");
    const binary = toolBinary(KUBE_APISERVER, cache);
    fs.mkdirSync(join(binary, ".."), { recursive: true });
    fs.writeFileSync(binary, "", { mode: 0o755 });
    fs.writeFileSync(join(binary, "..", "..", "build.json"), JSON.stringify({ seconds: 421 }));
    const path = process.env.PATH;
    process.env.PATH = "";
    try {
      expect(await ensureGoTool(KUBE_APISERVER, { cache })).toEqual({
        kind: "ready",
        binary: join(cache, "kube-apiserver-v1.34.2", "bin", "kube-apiserver"),
        cached: true,
        buildSeconds: 421,
      });
    } finally {
      process.env.PATH = path;
    }
  });

  it("says how to install Go when it is missing", async () => {
    const path = process.env.PATH;
    process.env.PATH = "";
    try {
      expect(await ensureGoTool(KUBE_APISERVER, { cache: join(scratch, "empty") })).toEqual({
        kind: "no-go",
        reason: "go is not installed (Debian: apt-get install -y golang-go)",
      });
    } finally {
      process.env.PATH = path;
    }
  });
});

describe("e2e clusters", () => {
  it("gives kwok the module's Stage files as one YAML stream, in order", () => {
    const module = join(scratch, "kwok");
    for (const stage of KWOK_STAGE_FILES) {
      fs.mkdirSync(join(module, "kustomize", "stage", stage, ".."), { recursive: true });
      fs.writeFileSync(
        join(module, "kustomize", "stage", stage),
        `kind: Stage\nmetadata:\n  name: ${stage}\n`,
      );
    }
    const file = writeKwokStages(module, join(scratch, "stages.yaml"));
    const names = fs
      .readFileSync(file, "utf8")
      .split("\n---\n")
      .map((doc) => (parse(doc) as { metadata: { name: string } }).metadata.name);
    expect(names).toEqual([...KWOK_STAGE_FILES]);
  });

  it("writes a kubeconfig with the server and the certificates inline", () => {
    const config = parse(
      kubeconfigText("region1", {
        server: "https://127.0.0.1:6443",
        ca: "CA",
        cert: "CERT",
        key: "KEY",
      }),
    ) as {
      "current-context": string;
      clusters: { cluster: Record<string, string> }[];
      users: { user: Record<string, string> }[];
    };
    expect(config["current-context"]).toBe("region1");
    expect(config.clusters[0]?.cluster).toEqual({
      server: "https://127.0.0.1:6443",
      "certificate-authority-data": Buffer.from("CA").toString("base64"),
    });
    expect(config.users[0]?.user).toEqual({
      "client-certificate-data": Buffer.from("CERT").toString("base64"),
      "client-key-data": Buffer.from("KEY").toString("base64"),
    });
  });

  it("counts a Deployment available only when every replica is ready and updated", () => {
    const deployment = (ready: number) => ({
      status: {
        conditions: [{ type: "Available", status: "True" }],
        readyReplicas: ready,
        availableReplicas: ready,
        updatedReplicas: 2,
      },
    });
    expect(deploymentAvailable(deployment(2), 2)).toBe(true);
    expect(deploymentAvailable(deployment(1), 2)).toBe(false);
    expect(deploymentAvailable(undefined, 2)).toBe(false);
  });
});

describe("e2e report", () => {
  it("fails on a failed drill and closes with the line CI reads", () => {
    const report = emptyReport();
    report.drills.push(
      { name: "a", ok: true, seconds: 1, replaced: null, steps: null },
      { name: "b", ok: false, seconds: 2, replaced: 0, steps: 3, detail: "why" },
    );
    report.notRun.push({ name: "preview", reason: "refused" });
    expect(passed(report)).toBe(false);
    const text = formatReport(report);
    expect(text).toContain("  FAIL b (2.0s, replaced 0, steps 3)\n       why\n");
    expect(text.trimEnd().split("\n").at(-1)).toBe("e2e: 1 passed, 1 failed, 1 skipped");
  });

  it("fails when a program of the run is still running after the stop", () => {
    const report = emptyReport();
    report.leftovers = ["123 etcd --data-dir=/tmp/tarsfed-e2e-x/region1/etcd"];
    expect(passed(report)).toBe(false);
  });
});
