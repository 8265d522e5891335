import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { fleetJsonSchema, fleetJsonSchemaText } from "../../fleet/model/schema";

describe("the JSON Schema editors use", () => {
  it("is current: stacks/fleet.schema.json equals what the zod schema generates (run `npm run schema`)", () => {
    expect(readFileSync("stacks/fleet.schema.json", "utf8")).toBe(fleetJsonSchemaText());
  });

  it("is what the demo fleet points editors at", () => {
    expect(readFileSync("stacks/fleet.yaml", "utf8").split("\n")[0]).toBe(
      "# yaml-language-server: $schema=./fleet.schema.json",
    );
  });

  it("describes the binding field names and rejects unknown ones", () => {
    const schema = fleetJsonSchema() as {
      properties: Record<string, unknown>;
      required: string[];
      additionalProperties: boolean;
    };
    expect(Object.keys(schema.properties)).toEqual([
      "name",
      "homeRegion",
      "tars",
      "network",
      "regions",
      "sets",
      "servers",
    ]);
    expect(schema.required).toEqual(["name", "homeRegion", "regions"]);
    expect(schema.additionalProperties).toBe(false);
  });
});
