/**
 * Loading the rules, the CrossGuard adapter and the offline evaluation starts no policy server.
 *
 * `new PolicyPack(...)` starts the gRPC server the engine talks to, prints its port and keeps the
 * process alive (npm-choices §7), so only `policies/index.ts` may construct one.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import type * as Policy from "@pulumi/policy";
import { describe, expect, it, vi } from "vitest";

const constructed = vi.hoisted(() => ({ count: 0 }));

vi.mock("@pulumi/policy", async (importOriginal) => {
  const original = await importOriginal<typeof Policy>();
  class CountingPolicyPack {
    constructor() {
      constructed.count += 1;
    }
  }
  return { ...original, PolicyPack: CountingPolicyPack };
});

function listeningServers(): number {
  return process.getActiveResourcesInfo().filter((r) => r === "TCPServerWrap").length;
}

function policyModules(dir = "policies"): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const file = path.join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === "node_modules" ? [] : policyModules(file);
    return entry.name.endsWith(".ts") ? [file] : [];
  });
}

describe("the policy modules", () => {
  it("construct no PolicyPack and open no server when imported", async () => {
    const servers = listeningServers();
    const write = vi.spyOn(process.stdout, "write");
    await import("../../policies/rules");
    await import("../../policies/crossguard");
    await import("../../policies/evaluate");
    await new Promise((resolve) => setImmediate(resolve));
    expect(constructed.count).toBe(0);
    expect(listeningServers()).toBe(servers);
    expect(write).not.toHaveBeenCalled();
    write.mockRestore();
  });

  it("construct the PolicyPack in policies/index.ts only", () => {
    const constructing = policyModules().filter((file) =>
      /new PolicyPack\(/.test(readFileSync(file, "utf8")),
    );
    expect(constructing).toEqual([path.join("policies", "index.ts")]);
  });
});
