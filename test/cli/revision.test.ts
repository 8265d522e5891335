/**
 * `tarsfed up` and the fleet revision each stack records: a stale or diverged checkout is
 * refused, a newer revision goes ahead, over real git repositories and the fake engine.
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { describe, expect, it } from "vitest";
import { fleetRevision, shortRevision } from "../../fleet/operations/revision";
import { demoText, replaceOnce } from "../fleet/fleet-copies";
import { gitFleetHistory } from "../../cli/engine/revision";
import { fakeEngine, parse, tarsfed } from "./fake-engine";

/** The demo (v1), then app.gz.1 failed over (v2); v3 scales the registries instead of v2. */
const V1 = demoText;
const FAILOVER = [
  "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: false }",
  "app.gz.1: { cluster: gz1, standby: sh1, warmStandby: true, failedOver: true }",
] as const;
const V2 = replaceOnce(V1, ...FAILOVER);
const V3 = replaceOnce(V1, "registry: { replicas: 2 }", "registry: { replicas: 3 }");

const revision = (text: string) => fleetRevision(text) ?? "";
const short = (text: string) => shortRevision(revision(text));

/** A git repository in a new directory, holding `fleet.yaml`. */
function repository() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-git-"));
  const file = path.join(dir, "fleet.yaml");
  const git = (...args: string[]) =>
    execFileSync(
      "git",
      ["-C", dir, "-c", "user.name=t", "-c", "user.email=t@example.com", ...args],
      { stdio: "pipe", encoding: "utf8" },
    );
  git("init", "-q", "-b", "main");
  const commit = (text: string, message: string) => {
    fs.writeFileSync(file, text);
    git("add", "fleet.yaml");
    git("commit", "-q", "--no-gpg-sign", "-m", message);
  };
  return { dir, file, git, commit };
}

/** `up --stack shanghai` of `file` over a stack last applied from `deployed`. */
async function upOver(file: string, deployed: string, ...flags: string[]) {
  const { engine, calls } = fakeEngine({
    shanghai: { outputs: { fleetRevision: revision(deployed), homeRegion: "guangzhou" } },
  });
  const argv = ["--fleet", file, "up", "--stack", "shanghai", "--yes", "--json", ...flags];
  const { code, stdout } = await tarsfed(argv, engine, undefined, gitFleetHistory);
  return { code, calls, result: parse(stdout).stacks[0] };
}

describe("tarsfed up and the fleet revision a stack was applied from", () => {
  it("refuses an older revision (a stale checkout) over a newer one, naming both; --force applies it", async () => {
    const repo = repository();
    repo.commit(V1, "demo");
    repo.commit(V2, "failover app.gz.1");
    repo.git("checkout", "-q", "HEAD~1");
    const stale = await upOver(repo.file, V2);
    expect(stale.code).toBe(1);
    // Refused before anything runs: no preview, no update.
    expect(stale.calls).toEqual(["checkCli", "open:shanghai"]);
    expect(stale.result).toEqual({
      name: "shanghai",
      status: "refused",
      changes: null,
      message:
        `stack shanghai was last applied from fleet revision ${short(V2)}, which the git ` +
        `history of ${repo.file} in this checkout does not hold: it is newer than this revision ` +
        `${short(V1)}, or from another branch, and applying ${short(V1)} would revert its ` +
        `changes; update this checkout (git pull) and run again, or pass --force to apply ` +
        `${short(V1)} over it`,
    });
    const forced = await upOver(repo.file, V2, "--force");
    expect(forced.code).toBe(0);
    expect(forced.calls).toContain("up:shanghai");
  });

  it("refuses a revision from another branch over the one deployed", async () => {
    const repo = repository();
    repo.commit(V1, "demo");
    repo.commit(V2, "failover app.gz.1");
    repo.git("checkout", "-q", "-b", "scale", "HEAD~1");
    repo.commit(V3, "more registries");
    const diverged = await upOver(repo.file, V2);
    expect(diverged.code).toBe(1);
    expect(diverged.result.message).toContain(
      `stack shanghai was last applied from fleet revision ${short(V2)}, which the git history`,
    );
    expect(diverged.calls).not.toContain("up:shanghai");
  });

  it("applies a newer revision over an older one, committed, staged or only edited", async () => {
    const repo = repository();
    repo.commit(V1, "demo");
    repo.commit(V2, "failover app.gz.1");
    // Committed: v2 over v1.
    expect((await upOver(repo.file, V1)).code).toBe(0);
    // Edited and not committed (as `tarsfed failover` leaves it): v3-on-v2 over v2, and over v1.
    const edited = replaceOnce(V2, "registry: { replicas: 2 }", "registry: { replicas: 3 }");
    fs.writeFileSync(repo.file, edited);
    expect((await upOver(repo.file, V2)).code).toBe(0);
    expect((await upOver(repo.file, V1)).code).toBe(0);
    // Staged, then edited again: the staged revision is behind the working copy.
    repo.git("add", "fleet.yaml");
    fs.writeFileSync(repo.file, replaceOnce(edited, "replicas: 3", "replicas: 4"));
    expect((await upOver(repo.file, edited)).code).toBe(0);
  });

  it("applies a failback over the failover this clone applied before committing it", async () => {
    const repo = repository();
    repo.commit(V1, "demo");
    fs.writeFileSync(repo.file, V2); // tarsfed failover, not committed
    expect((await upOver(repo.file, V1)).code).toBe(0);
    fs.writeFileSync(repo.file, V1); // tarsfed failback, in the same clone
    expect((await upOver(repo.file, V2)).code).toBe(0);
    // Another clone never applied the failover: it refuses to revert it.
    const other = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-clone-")), "c");
    execFileSync("git", ["clone", "-q", repo.dir, other], { stdio: "pipe" });
    const fromClone = await upOver(path.join(other, "fleet.yaml"), V2);
    expect(fromClone.code).toBe(1);
    expect(fromClone.calls).not.toContain("up:shanghai");
  });

  it("refuses an older commit checked out even where this clone applied the newer one", async () => {
    const repo = repository();
    repo.commit(V1, "demo");
    repo.commit(V2, "failover app.gz.1");
    expect((await upOver(repo.file, V1)).code).toBe(0);
    repo.git("checkout", "-q", "HEAD~1");
    expect((await upOver(repo.file, V2)).code).toBe(1);
  });

  it("applies the same revision again, whatever comments or layout changed", async () => {
    const repo = repository();
    repo.commit(V2, "failover app.gz.1");
    fs.writeFileSync(repo.file, `# failed over during the outage of 2026-11-30\n${V2}`);
    const again = await upOver(repo.file, V2);
    expect(again.code).toBe(0);
    expect(again.calls).toContain("up:shanghai");
  });

  it("refuses another revision of a fleet file git does not track, unless --force", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-nogit-"));
    const file = path.join(dir, "fleet.yaml");
    fs.writeFileSync(file, V1);
    const untracked = await upOver(file, V2);
    expect(untracked.code).toBe(1);
    expect(untracked.result.message).toBe(
      `stack shanghai was last applied from fleet revision ${short(V2)}, not this revision ` +
        `${short(V1)}, and git does not track ${file}, so which is newer cannot be told; check ` +
        `that ${file} holds every change applied since, then pass --force to apply ${short(V1)}`,
    );
    expect((await upOver(file, V2, "--force")).code).toBe(0);
    // The same revision needs no history.
    expect((await upOver(file, V1)).code).toBe(0);
  });

  it("lets preview run whatever the revision: it changes nothing", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "tarsfed-nogit-"));
    const file = path.join(dir, "fleet.yaml");
    fs.writeFileSync(file, V1);
    const { engine } = fakeEngine({ shanghai: { outputs: { fleetRevision: revision(V2) } } });
    const argv = ["--fleet", file, "preview", "--stack", "shanghai", "--json"];
    const { code, stdout } = await tarsfed(argv, engine);
    expect(code).toBe(0);
    expect(parse(stdout).stacks[0]?.status).toBe("ok");
  });
});
