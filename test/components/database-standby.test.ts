/**
 * The framework database's cloud side with and without a standby (`tars.db.standbyRegion`): the
 * DR replica, the Private DNS zone, its VPC attachments and the record, in the stacks a failover
 * expects them in.
 */
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { loadFleet } from "../../fleet/model/load";
import { planFleet } from "../../cli/plan/plan-fleet";
import { diffPlans } from "../../cli/diff/compare";
import { stackDependencies, stackOrder } from "../../fleet/stacks/slice";
import { type FleetPlan, type StackPlan } from "../../fleet/stacks/plan-document";
import { at, byName, ofType, stackOf, str } from "./helpers";

const DR = "tencentcloud:index/mysqlDrInstance:MysqlDrInstance";
const MYSQL = "tencentcloud:index/mysqlInstance:MysqlInstance";
const ZONE = "tencentcloud:index/privateDnsZone:PrivateDnsZone";
const RECORD = "tencentcloud:index/privateDnsRecord:PrivateDnsRecord";
const ATTACHMENT = "tencentcloud:index/privateDnsZoneVpcAttachment:PrivateDnsZoneVpcAttachment";

const DEMO = readFileSync("stacks/fleet.yaml", "utf8");
const SMALL = readFileSync("test/fixtures/small-fleet.yaml", "utf8");
const DEMO_DB_LINE = /^ {2}db: \{[^\n]*\}$/m;

/** The demo fleet with its `tars.db` line replaced. */
function demoWithDb(db: string): string {
  expect(DEMO, "the demo fleet should declare its database on one line").toMatch(DEMO_DB_LINE);
  return DEMO.replace(DEMO_DB_LINE, `  db: ${db}`);
}

async function planText(text: string): Promise<FleetPlan> {
  const file = path.join(mkdtempSync(path.join(os.tmpdir(), "tarsfed-standby-")), "fleet.yaml");
  writeFileSync(file, text);
  return planFleet(loadFleet(file));
}

/** The id of security group `name`, as its rule set names it. */
const groupId = (stack: StackPlan, name: string) =>
  at(byName(stack, `${name}-rules`).inputs, "securityGroupId");

const names = (plan: FleetPlan, token: string) =>
  plan.stacks.flatMap((s) => ofType(s, token).map((r) => `${s.name} ${r.name}`));

let demo: FleetPlan;
let promoted: FleetPlan;
let small: FleetPlan;
let smallProtected: FleetPlan;
beforeAll(async () => {
  // One plan at a time: Pulumi's runtime state is per process.
  demo = await planText(DEMO);
  promoted = await planText(
    demoWithDb(
      '{ mode: tencentdb, engineVersion: "5.7", memoryMb: 4000, storageGb: 200, standbyRegion: shanghai, servingRegion: shanghai }',
    ),
  );
  small = await planText(SMALL);
  smallProtected = await planText(
    SMALL.replace(
      'db: { mode: tencentdb, engineVersion: "5.7" }',
      'db: { mode: tencentdb, engineVersion: "5.7", standbyRegion: sh }',
    ),
  );
}, 300_000);

describe("the demo fleet, with its standby in shanghai", () => {
  it("declares the standby", () => {
    expect(DEMO).toMatch(/^ {2}db: \{[^\n]*standbyRegion: shanghai[^\n]*\}$/m);
  });

  it("keeps a DR replica of the home master in shanghai-infra, with the master's size, protected and retained", () => {
    expect(names(demo, DR)).toEqual(["shanghai-infra tars-db-replica-mysql"]);
    const infra = stackOf(demo, "shanghai-infra");
    const replica = byName(infra, "tars-db-replica-mysql");
    const home = stackOf(demo, "guangzhou-infra");
    const master = byName(home, "tars-db-mysql");
    expect(replica.inputs).toMatchObject({
      masterInstanceId: at(home.outputs, "dbInstanceId"),
      masterRegion: "ap-guangzhou",
      memSize: at(master.inputs, "memSize"),
      volumeSize: at(master.inputs, "volumeSize"),
      availabilityZone: "ap-shanghai-2",
      deviceType: "UNIVERSAL",
      slaveDeployMode: 1,
      firstSlaveZone: "ap-shanghai-4",
      intranetPort: 3306,
    });
    expect(at(replica.inputs, "vpcId")).toBe(at(infra.outputs, "vpcId"));
    expect([replica.protect, replica.retainOnDelete]).toEqual([true, true]);
    // Its own database security group, like home's.
    expect(at(replica.inputs, "securityGroups")).toEqual([groupId(infra, "shanghai-database")]);
    expect(byName(infra, "shanghai-database").type).toBe(byName(home, "guangzhou-database").type);
    const id = str(at(infra.outputs, "dbDrInstanceId"));
    expect(id).toMatch(/^cdb-/);
    expect(id).not.toBe(at(home.outputs, "dbInstanceId"));
    expect(str(at(infra.outputs, "dbDrInstanceHost"))).toMatch(/^10\.20\./);
  });

  it("makes the master two-node with its replica node in the other zone", () => {
    const home = stackOf(demo, "guangzhou-infra");
    const master = byName(home, "tars-db-mysql");
    expect(master.inputs).toMatchObject({
      deviceType: "UNIVERSAL",
      slaveDeployMode: 1,
      availabilityZone: "ap-guangzhou-3",
      firstSlaveZone: "ap-guangzhou-6",
    });
    expect(str(at(home.outputs, "dbInstanceId"))).toMatch(/^cdb-/);
    expect(at(master.inputs, "securityGroups")).toEqual([at(home.outputs, "dbSecurityGroupId")]);
    expect(at(home.outputs, "dbSecurityGroupId")).toBe(groupId(home, "guangzhou-database"));
  });

  it("has the zone in global and attaches every VPC in its own infra stack", () => {
    expect(names(demo, ZONE)).toEqual(["global demo-db-zone"]);
    const zone = byName(stackOf(demo, "global"), "demo-db-zone");
    expect(zone.inputs).toMatchObject({ domain: "tarsfed-demo.com", dnsForwardStatus: "DISABLED" });
    expect(zone.protect).toBe(true);
    const zoneId = str(at(stackOf(demo, "global").outputs, "dbDnsZoneId"));
    expect(zoneId).toMatch(/^zone-/);
    expect(names(demo, ATTACHMENT)).toEqual([
      "guangzhou-infra guangzhou-dns-attachment",
      "shanghai-infra shanghai-dns-attachment",
      "beijing-infra beijing-dns-attachment",
    ]);
    for (const region of ["guangzhou", "shanghai", "beijing"]) {
      const infra = stackOf(demo, `${region}-infra`);
      expect(byName(infra, `${region}-dns-attachment`).inputs).toEqual({
        zoneId,
        vpcSet: { uniqVpcId: at(infra.outputs, "vpcId"), region: `ap-${region}` },
      });
    }
  });

  it("keeps the record in shanghai-infra, pointing at the home master's host output", () => {
    expect(names(demo, RECORD)).toEqual(["shanghai-infra demo-db-record"]);
    const infra = stackOf(demo, "shanghai-infra");
    const record = byName(infra, "demo-db-record");
    expect(record.inputs).toEqual({
      zoneId: at(stackOf(demo, "global").outputs, "dbDnsZoneId"),
      subDomain: "db",
      recordType: "A",
      recordValue: at(stackOf(demo, "guangzhou-infra").outputs, "dbInstanceHost"),
      ttl: 30,
    });
    expect(str(at(infra.outputs, "dbRecordId"))).toMatch(/^zone-[a-z0-9]+#\d+$/);
  });

  it("reads the home infra stack from shanghai-infra, which deploys after it", () => {
    const fleet = loadFleet("stacks/fleet.yaml").spec;
    expect(stackDependencies(fleet, "shanghai-infra")).toEqual(["global", "guangzhou-infra"]);
    expect(stackOrder(fleet).slice(0, 2)).toEqual(["global", "guangzhou-infra"]);
    // Without a standby (and CVM pools downloading from tarsweb), only global.
    const plain = loadFleet("test/fixtures/small-fleet.yaml").spec;
    expect(stackDependencies(plain, "sh-infra")).toEqual(["global"]);
  });

  it("makes every TARS stack read the stack holding the database's record", () => {
    const fleet = loadFleet("stacks/fleet.yaml").spec;
    for (const stack of ["guangzhou", "shanghai", "beijing"]) {
      expect(stackDependencies(fleet, stack)).toContain("shanghai-infra");
    }
    // Without a standby the home infra stack holds it.
    const plain = loadFleet("test/fixtures/small-fleet.yaml").spec;
    expect(stackDependencies(plain, "sh")).toEqual(["sh-infra", "gz-infra", "gz"]);
    expect(stackDependencies(plain, "gz")).toEqual(["gz-infra"]);
  });
});

describe("once the standby serves (servingRegion: shanghai)", () => {
  it("repoints the record in place, in shanghai-infra alone among the infra stacks", () => {
    const diff = diffPlans(demo, promoted);
    const infra = diff.stacks.filter((d) => d.name.endsWith("-infra") || d.name === "global");
    const touched = infra.filter((d) => d.added.length + d.removed.length + d.changed.length > 0);
    expect(touched.map((d) => d.name)).toEqual(["shanghai-infra"]);
    expect(touched[0]?.changed.map((c) => [c.name, c.replace, c.fields])).toEqual([
      ["demo-db-record", false, ["recordValue"]],
    ]);
  });

  it("points the record at the DR instance", () => {
    const infra = stackOf(promoted, "shanghai-infra");
    const record = byName(infra, "demo-db-record");
    expect(at(record.inputs, "recordValue")).toBe(at(infra.outputs, "dbDrInstanceHost"));
    expect(at(record.inputs, "recordValue")).not.toBe(
      at(stackOf(promoted, "guangzhou-infra").outputs, "dbInstanceHost"),
    );
  });
});

describe("a fleet without a standby (the small fleet)", () => {
  it("has no replica, and keeps the record in the home infra stack at its master", () => {
    expect(names(small, DR)).toEqual([]);
    expect(names(small, RECORD)).toEqual(["gz-infra small-db-record"]);
    const home = stackOf(small, "gz-infra");
    expect(at(byName(home, "small-db-record").inputs, "recordValue")).toBe(
      at(home.outputs, "dbInstanceHost"),
    );
    expect(at(home.outputs, "dbRecordId")).not.toBeNull();
    expect(names(small, ATTACHMENT)).toEqual([
      "gz-infra gz-dns-attachment",
      "sh-infra sh-dns-attachment",
    ]);
    expect(names(small, ZONE)).toEqual(["global small-db-zone"]);
  });

  it("leaves the master's layout to the provider's defaults", () => {
    const master = byName(stackOf(small, "gz-infra"), "tars-db-mysql");
    for (const input of ["deviceType", "slaveDeployMode", "firstSlaveZone"]) {
      expect(master.inputs).not.toHaveProperty(input);
    }
    expect(names(small, MYSQL)).toEqual(["gz-infra tars-db-mysql"]);
  });
});

describe("turning the standby on for a running fleet", () => {
  it("updates the master in place, creates the replica and moves the record, with no critical change", () => {
    const diff = diffPlans(small, smallProtected);
    const home = diff.stacks.find((d) => d.name === "gz-infra");
    const standby = diff.stacks.find((d) => d.name === "sh-infra");
    const master = home?.changed.find((c) => c.name === "tars-db-mysql");
    expect(master).toMatchObject({ replace: false });
    expect([...(master?.fields ?? [])].sort()).toEqual([
      "deviceType",
      "firstSlaveZone",
      "slaveDeployMode",
    ]);
    expect(home?.removed.map((r) => r.name)).toContain("small-db-record");
    expect(standby?.added.map((r) => r.name)).toEqual(
      expect.arrayContaining(["small-db-record", "tars-db-replica-mysql"]),
    );
    // Nothing needs consent: the master is updated in place, and a new replica copies it.
    expect(diff.stacks.flatMap((d) => d.critical)).toEqual([]);
  });

  it("still refuses a change that replaces the master", () => {
    const changed: FleetPlan = {
      ...smallProtected,
      stacks: smallProtected.stacks.map((stack) => ({
        ...stack,
        resources: stack.resources.map((r) =>
          r.name === "tars-db-mysql" ? { ...r, inputs: { ...r.inputs, chargeType: "PREPAID" } } : r,
        ),
      })),
    };
    const critical = diffPlans(smallProtected, changed).stacks.flatMap((d) => d.critical);
    expect(critical.map((c) => [c.name, c.kind])).toEqual([["tars-db-mysql", "database"]]);
  });
});
