/**
 * `main()` of `cli/main.ts` runs `preview` and `up` on the engine it is given (what `npm run e2e`
 * uses to drive the real `tarsfed up` with an inline program), and on the project's own otherwise.
 */
import { describe, expect, it } from "vitest";
import { memoryIo } from "../../cli/io";
import { main } from "../../cli/main";
import { fakeEngine } from "./fake-engine";

const history = () => ({ holds: () => true, recordApplied: () => {} });

describe("main() with engine dependencies", () => {
  it("runs up with the given engine, stack by stack as the CLI selects them", async () => {
    const fake = fakeEngine();
    const io = memoryIo();
    const code = await main(
      ["--fleet", "stacks/fleet.yaml", "--json", "up", "--stack", "guangzhou", "--yes"],
      io,
      { engine: fake.engine, history },
    );
    expect(code).toBe(0);
    expect(fake.calls).toEqual([
      "checkCli",
      "open:guangzhou",
      "preview-start:guangzhou",
      "preview-end:guangzhou",
      "up:guangzhou",
    ]);
    const result = JSON.parse(io.stdout.join("")) as { stacks: { name: string; status: string }[] };
    expect(result.stacks.map((s) => [s.name, s.status])).toEqual([["guangzhou", "ok"]]);
  });

  it("runs preview with the given engine too", async () => {
    const fake = fakeEngine();
    const code = await main(
      ["--fleet", "stacks/fleet.yaml", "preview", "--stack", "shanghai"],
      memoryIo(),
      { engine: fake.engine },
    );
    expect(code).toBe(0);
    expect(fake.calls).toContain("preview-end:shanghai");
    expect(fake.calls.some((c) => c.startsWith("up:"))).toBe(false);
  });
});
