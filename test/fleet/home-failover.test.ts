/**
 * The home-region procedure as a pure plan: which regions it is for, the outputs it reads (the
 * infra stacks' own names), and how a resumed plan marks the edits the fleet file already says.
 */
import { describe, expect, it } from "vitest";
import { parseFleet } from "../../fleet/model/load";
import {
  homeWithoutStandby,
  isHomeFailover,
  planHomeFailover,
  ProcedureOutput,
  stepIndex,
} from "../../fleet/operations/home-failover";
import { InfraOutput } from "../../program/outputs";
import { demoText, replaceOnce } from "./fleet-copies";

const standbyText = demoText.includes("standbyRegion: shanghai")
  ? demoText
  : replaceOnce(demoText, "memoryMb: 4000", "memoryMb: 4000, standbyRegion: shanghai");
const fleet = parseFleet(standbyText, "fleet.yaml").spec;
const noStandby = parseFleet(
  standbyText.replace(", standbyRegion: shanghai", ""),
  "fleet.yaml",
).spec;

describe("planHomeFailover", () => {
  it("reads the outputs the infra stacks write, by their names", () => {
    expect(ProcedureOutput).toEqual({
      DbSecurityGroupId: InfraOutput.DbSecurityGroupId,
      DbInstanceId: InfraOutput.DbInstanceId,
      DbDrInstanceId: InfraOutput.DbDrInstanceId,
      DbDrInstanceHost: InfraOutput.DbDrInstanceHost,
      DbRecordId: InfraOutput.DbRecordId,
      Kubeconfigs: InfraOutput.Kubeconfigs,
    });
  });

  it("is the home region's procedure only with a standby", () => {
    expect(isHomeFailover(fleet, "guangzhou")).toBe(true);
    expect(isHomeFailover(fleet, "beijing")).toBe(false);
    expect(isHomeFailover(noStandby, "guangzhou")).toBe(false);
    expect(homeWithoutStandby(noStandby, "beijing")).toBeUndefined();
    expect(homeWithoutStandby(fleet, "guangzhou")).toBeUndefined();
    expect(() => planHomeFailover(fleet, "beijing")).toThrow(
      "beijing is not the home region (guangzhou): fail its Sets over with tarsfed failover --region beijing",
    );
    expect(() => planHomeFailover(fleet, "mars")).toThrow(
      'unknown region "mars", expected guangzhou, shanghai or beijing',
    );
  });

  it("says the in-cluster database has no standby", () => {
    const inCluster = parseFleet(
      replaceOnce(
        standbyText,
        /db: \{[^}]*\}/.exec(standbyText)?.[0] ?? "",
        "db: { mode: in-cluster, storageGb: 50, storageClass: cbs }",
      ),
      "fleet.yaml",
    ).spec;
    expect(homeWithoutStandby(inCluster, "guangzhou")).toContain(
      "the framework database runs in-cluster in guangzhou and is lost with it: the in-cluster mode has no standby",
    );
  });

  it("marks the DNS step and the Set step done once the fleet file says so", () => {
    const resumed = parseFleet(
      replaceOnce(
        replaceOnce(
          replaceOnce(
            standbyText,
            "standbyRegion: shanghai",
            "standbyRegion: shanghai, servingRegion: shanghai",
          ),
          "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: false }",
          "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: true }",
        ),
        "app.gz.2: { cluster: gz2, standby: bj1 }",
        "app.gz.2: { cluster: gz2, standby: bj1, failedOver: true }",
      ),
      "fleet.yaml",
    ).spec;
    const done = planHomeFailover(resumed, "guangzhou").steps.filter((s) => s.done === true);
    expect(done.map((s) => s.name)).toEqual(["repoint-dns", "fail-over-sets"]);
    expect(planHomeFailover(fleet, "guangzhou").steps.some((s) => s.done === true)).toBe(false);
  });

  it("reads a step as its number or its name", () => {
    expect(stepIndex("3")).toBe(3);
    expect(stepIndex("recovery-sql")).toBe(3);
    expect(stepIndex("repoint-dns")).toBe(4);
    expect(stepIndex("8")).toBeUndefined();
    expect(stepIndex("0")).toBeUndefined();
    expect(stepIndex("fence")).toBeUndefined();
  });
});
