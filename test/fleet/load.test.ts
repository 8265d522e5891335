import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { FleetError } from "../../fleet/model/issues";
import { loadFleet, parseFleet } from "../../fleet/model/load";
import { allClusters } from "../../fleet/model/model";

const demoText = readFileSync("stacks/fleet.yaml", "utf8");

function messages(text: string, file = "fleet.yaml"): string[] {
  try {
    parseFleet(text, file);
    return [];
  } catch (error) {
    if (error instanceof FleetError)
      return error.issues.map((i) => `${i.line}:${i.col} ${i.path}: ${i.message}`);
    throw error;
  }
}

describe("loading the demo fleet", () => {
  const { spec } = loadFleet("stacks/fleet.yaml");

  it("keeps file order and applies defaults", () => {
    expect(spec.regions.map((r) => r.name)).toEqual(["guangzhou", "shanghai", "beijing"]);
    expect(allClusters(spec).map((c) => c.name)).toEqual(["gz1", "gz2", "sh1", "bj1"]);
    expect(spec.sets.map((s) => s.id)).toEqual(["app.gz.1", "app.gz.2", "app.sh.1", "app.bj.1"]);
    // sh1 names no networkType: VPC-CNI is the default (pods routable across regions).
    expect(allClusters(spec).find((c) => c.name === "sh1")?.networkType).toBe("VPC-CNI");
    expect(spec.tars.prestopWaitSeconds).toBe(80);
    expect(spec.tars.frameworkImage).toBe("tarscloud/framework:v2.4.3");
    expect(spec.sets.find((s) => s.id === "app.sh.1")).toEqual({
      id: "app.sh.1",
      cluster: "sh1",
      standby: "gz1",
      warmStandby: false,
      failedOver: false,
    });
  });

  it("turns a single CVM zone into a list and keeps quantities as written", () => {
    const legacy = spec.regions[0].cvmPools[0];
    expect(legacy.zones).toEqual(["ap-guangzhou-3"]);
    const order = spec.servers.find((s) => s.id === "TestApp.OrderServer");
    expect(order?.resources).toEqual({ cpu: "1", memory: "1Gi" });
    expect(order?.app).toBe("TestApp");
    expect(order?.server).toBe("OrderServer");
  });

  it("sorts the regions of a bandwidth pair", () => {
    expect(spec.network.bandwidth).toEqual([{ regions: ["guangzhou", "shanghai"], mbps: 200 }]);
  });
});

describe("every problem of a file, each at its place", () => {
  it("fails with all five kinds the acceptance names in one file", () => {
    const text = demoText
      .replace(
        "app.gz.2: { cluster: gz2, standby: bj1 }",
        "app.GZ.2: { cluster: gz2, standby: bj1 }",
      )
      .replace(
        "app.bj.1: { cluster: bj1, standby: sh1 }",
        "app.bj.1: { cluster: bj9, standby: sh1 }",
      )
      .replace("vpcCidr: 10.30.0.0/16", "vpcCidr: 10.20.0.0/17")
      .replace("orderserver:2.4.0", "orderserver:latest");
    const lines = messages(text);
    expect(lines).toContainEqual(
      expect.stringMatching(/^\d+:3 sets\["app.GZ.2"\]: Set id must be setName\.setArea\.setGroup/),
    );
    expect(lines).toContainEqual(
      expect.stringContaining('sets["app.bj.1"].cluster: unknown cluster "bj9"'),
    );
    expect(lines).toContainEqual(
      expect.stringContaining(
        "regions.beijing.vpcCidr: 10.20.0.0/17 overlaps regions.shanghai.vpcCidr (10.20.0.0/16)",
      ),
    );
    expect(lines).toContainEqual(
      expect.stringContaining(
        'servers["TestApp.OrderServer"].image: image "ccr.ccs.tencentyun.com/demo/orderserver:latest" uses the latest tag',
      ),
    );
    // app.gz.2 no longer exists under that id, so the servers that name it are reported too.
    expect(lines.filter((l) => l.includes('unknown Set "app.gz.2"'))).toHaveLength(2);
  });

  it("fails on broken YAML with the parser's position", () => {
    expect(
      messages(
        demoText.replace(
          "  web: { replicas: 1, allowedCidrs: [10.0.0.0/8] }",
          "  web: { replicas: 1, allowedCidrs: [10.0.0.0/8] ",
        ),
      ),
    ).toEqual([expect.stringMatching(/^\d+:\d+ : invalid YAML: /)]);
  });

  it("fails on a missing file naming it", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-load-"));
    expect(() => loadFleet(path.join(dir, "nope.yaml"))).toThrow(
      `${path.join(dir, "nope.yaml")}:1:1: cannot read the fleet file: no such file`,
    );
  });

  it("reads a file from disk with its own name in every problem", () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-load-"));
    const file = path.join(dir, "fleet.yaml");
    writeFileSync(file, demoText.replace("name: demo", "name: Demo"));
    expect(() => loadFleet(file)).toThrow(
      new RegExp(
        `^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:\\d+:7 name: must be a lowercase DNS label`,
      ),
    );
  });
});
