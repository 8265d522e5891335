import { describe, expect, it } from "vitest";
import { fleetRevision, shortRevision } from "../../fleet/operations/revision";
import { demoText, replaceOnce } from "./fleet-copies";

const demo = fleetRevision(demoText);

describe("fleetRevision", () => {
  it("is a SHA-256 in hex, the same for the same text", () => {
    expect(demo).toMatch(/^[0-9a-f]{64}$/);
    expect(fleetRevision(`${demoText}`)).toBe(demo);
    expect(shortRevision(demo ?? "")).toBe(demo?.slice(0, 12));
  });

  it.each([
    ["a comment added", (t: string) => `# reviewed by the platform team\n${t}`],
    ["comments removed", (t: string) => t.replace(/ +#.*$/gm, "").replace(/^#.*\n/gm, "")],
    [
      "a flow map written as a block map",
      (t: string) =>
        replaceOnce(t, "registry: { replicas: 2 } # per cluster", "registry:\n    replicas: 2"),
    ],
    [
      "keys in another order",
      (t: string) =>
        replaceOnce(
          t,
          "name: demo\nhomeRegion: guangzhou # hosts the framework DB, tarsweb and tarsnotify",
          "homeRegion: guangzhou\nname: demo",
        ),
    ],
    ["a value quoted", (t: string) => replaceOnce(t, "name: demo", 'name: "demo"')],
    ["blank lines", (t: string) => t.replace(/\n\n/g, "\n\n\n")],
  ])("does not change with %s", (_, change) => {
    const changed = change(demoText);
    expect(changed).not.toBe(demoText);
    expect(fleetRevision(changed)).toBe(demo);
  });

  it.each([
    [
      "a Set failed over",
      "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: false }",
      "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: true }",
    ],
    ["the home region", "homeRegion: guangzhou", "homeRegion: shanghai"],
    ["a number", "registry: { replicas: 2 }", "registry: { replicas: 3 }"],
    ["a number written as a string", "registry: { replicas: 2 }", 'registry: { replicas: "2" }'],
  ])("changes with %s", (_, search, replacement) => {
    expect(fleetRevision(replaceOnce(demoText, search, replacement))).not.toBe(demo);
  });

  it("is undefined for text that is not YAML", () => {
    expect(fleetRevision("regions: [unclosed")).toBeUndefined();
  });
});
