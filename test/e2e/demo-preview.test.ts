import { describe, expect, it } from "vitest";
import { type EngineEvent } from "@pulumi/pulumi/automation";
import { planDifferences, PreviewEvents } from "../../e2e/demo-preview";
import { emptyReport, formatReport, passed } from "../../e2e/report";

const urn = (type: string, name: string) =>
  `urn:pulumi:guangzhou::tars-federation::${type}::${name}`;
const pre = (op: string, type: string, name: string) =>
  ({
    sequence: 1,
    timestamp: 1,
    resourcePreEvent: { metadata: { op, urn: urn(type, name), type, provider: "" } },
  }) as unknown as EngineEvent;

describe("the demo preview's events", () => {
  it("lists managed resources by type and name, without the root stack, default providers and reads", () => {
    const events = new PreviewEvents();
    for (const event of [
      pre("create", "pulumi:pulumi:Stack", "tars-federation-guangzhou"),
      pre("create", "pulumi:providers:kubernetes", "default_4_25_0"),
      pre("create", "pulumi:providers:kubernetes", "gz1-k8s"),
      pre("read", "pulumi:pulumi:StackReference", "infra"),
      pre("create", "kubernetes:apps/v1:Deployment", "gz1-tars-registry"),
    ])
      events.onEvent(event);
    expect([...events.resources].sort()).toEqual([
      "kubernetes:apps/v1:Deployment::gz1-tars-registry",
      "pulumi:providers:kubernetes::gz1-k8s",
    ]);
    expect([...events.reads]).toEqual(["pulumi:pulumi:StackReference::infra"]);
  });

  it("counts error diagnostics and mandatory policy violations as errors, not warnings or advisories", () => {
    const events = new PreviewEvents();
    const base = { sequence: 1, timestamp: 1 };
    events.onEvent({
      ...base,
      diagnosticEvent: { message: "boom\n", color: "never", severity: "error", urn: "u" },
    });
    events.onEvent({
      ...base,
      diagnosticEvent: { message: "meh", color: "never", severity: "warning" },
    });
    for (const enforcementLevel of ["mandatory", "advisory"] as const)
      events.onEvent({
        ...base,
        policyEvent: {
          message: "no",
          color: "never",
          policyName: "rule",
          policyPackName: "tars",
          policyPackVersion: "1",
          policyPackVersionTag: "1",
          enforcementLevel,
          resourceUrn: "r",
        },
      } as EngineEvent);
    expect(events.errors).toEqual(["boom (u)", "tars/rule: no (r)"]);
    expect(events.warnings).toBe(1);
  });

  it("names what only the preview has (+) and what only the offline plan has (-)", () => {
    expect(planDifferences(new Set(["a::x", "b::y"]), ["b::y", "c::z"])).toEqual([
      "+a::x",
      "-c::z",
    ]);
    expect(planDifferences(new Set(["a::x"]), ["a::x"])).toEqual([]);
  });
});

describe("the report's previews", () => {
  it("fails the run when a preview has errors or differs from the offline plan", () => {
    const report = emptyReport();
    report.preview.stacks.push({
      name: "guangzhou",
      resources: 106,
      errors: 0,
      matchesOfflinePlan: true,
    });
    expect(passed(report)).toBe(true);
    report.preview.stacks.push({
      name: "shanghai",
      resources: 69,
      errors: 1,
      matchesOfflinePlan: false,
      detail: "boom; -kubernetes:v1:Namespace::sh1-ns-tars",
    });
    expect(passed(report)).toBe(false);
    const text = formatReport(report);
    expect(text).toContain("  ok   guangzhou: 106 resources, 0 errors, matches the offline plan");
    expect(text).toContain(
      "  FAIL shanghai: 69 resources, 1 errors, differs from the offline plan",
    );
    expect(text).toContain("boom; -kubernetes:v1:Namespace::sh1-ns-tars");
  });
});
