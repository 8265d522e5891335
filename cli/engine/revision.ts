/**
 * Whether `tarsfed up` may apply this fleet revision over the one a stack runs.
 *
 * A platform team keeps the fleet file in git and changes it by commits (or by `tarsfed
 * failover`, committed after): git's history is the order of revisions. A stack records the
 * revision it was last applied from (`fleetRevision`, `fleet/revision.ts`), and `up` goes ahead
 * when that revision is this one, or one the fleet file held at a commit behind this checkout
 * (or staged in it): this revision then descends from the deployed one, whatever edits lie
 * between. Any other deployed revision came from a checkout this one has not seen, a later
 * commit or another branch, and applying this one would revert its changes (a failover, say);
 * `up` refuses it unless `--force`. A fleet file git does not track gives no order, so `up` then
 * refuses any revision but the deployed one unless `--force`.
 *
 * Hashing each version of the file (rather than recording commit ids) keeps uncommitted edits,
 * rebases and squashes working: what counts is the content a commit held.
 */
import { execFileSync } from "node:child_process";
import { realpathSync } from "node:fs";
import * as path from "node:path";
import { fleetRevision, shortRevision } from "../../fleet/revision";

/** The revisions a fleet file held before the current text. */
export interface FleetHistory {
  /**
   * Whether the file held `revision` at a commit behind the current checkout, or in the index.
   * Reads history newest first, only as far as it must.
   */
  holds(revision: string): boolean;
  /**
   * Why there is no history to read: the file is not tracked by git, or git cannot run.
   *
   * @default - the file has a git history
   */
  readonly unavailable?: string;
}

/** Runs git in `dir`; undefined when it fails (not a repository, no such path, no git). */
function git(dir: string, args: readonly string[]): string | undefined {
  try {
    return execFileSync("git", ["-C", dir, ...args], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
      maxBuffer: 256 * 1024 * 1024,
    });
  } catch {
    return undefined;
  }
}

/**
 * The git history of the fleet file `file` (a symlink is followed to the file it names): the
 * version in the index, then the version of every commit that changed it, newest first, on every
 * branch merged into the current checkout (`git log --full-history`).
 */
export function gitFleetHistory(file: string): FleetHistory {
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return { holds: () => false, unavailable: `${file} cannot be read` };
  }
  const dir = path.dirname(real);
  // `<rev>:./<name>` names the file relative to `dir` (gitrevisions(7)).
  const spec = `./${path.basename(real)}`;
  if (git(dir, ["ls-files", "--error-unmatch", "--", spec]) === undefined)
    return { holds: () => false, unavailable: `git does not track ${file}` };
  const seen = new Set<string>();
  let pending: string[] | undefined;
  const versions = function* (): Generator<string | undefined> {
    yield git(dir, ["show", `:${spec}`]);
    pending ??= (git(dir, ["log", "--full-history", "--format=%H", "--", spec]) ?? "")
      .split("\n")
      .filter((line) => line !== "");
    for (const commit of pending) yield git(dir, ["show", `${commit}:${spec}`]);
  };
  let reader: Generator<string | undefined> | undefined;
  return {
    holds(revision) {
      if (seen.has(revision)) return true;
      reader ??= versions();
      for (const text of reader) {
        const found = text === undefined ? undefined : fleetRevision(text);
        if (found === undefined) continue;
        seen.add(found);
        if (found === revision) return true;
      }
      return false;
    },
  };
}

/** What the revision check needs to know about one stack and this run. */
export interface RevisionCheck {
  readonly stack: string;
  /** The revision the stack was last applied from; undefined when it records none. */
  readonly deployed: string | undefined;
  /** The revision this run applies. */
  readonly current: string;
  /** The fleet file, as given on the command line. */
  readonly file: string;
  readonly history: FleetHistory;
}

/**
 * Why `up` must not apply `check.current` over the stack's revision, or undefined when it may:
 * the stack records none, the same one, or one the file's git history holds behind this one.
 */
export function revisionRefusal(check: RevisionCheck): string | undefined {
  const { stack, deployed, current, file, history } = check;
  if (deployed === undefined || deployed === current) return undefined;
  const [was, now] = [shortRevision(deployed), shortRevision(current)];
  const applied = `stack ${stack} was last applied from fleet revision ${was}`;
  if (history.unavailable !== undefined)
    return (
      `${applied}, not this revision ${now}, and ${history.unavailable}, so which is newer ` +
      `cannot be told; check that ${file} holds every change applied since, then pass --force ` +
      `to apply ${now}`
    );
  if (history.holds(deployed)) return undefined;
  return (
    `${applied}, which the git history of ${file} in this checkout does not hold: it is newer ` +
    `than this revision ${now}, or from another branch, and applying ${now} would revert its ` +
    `changes; update this checkout (git pull) and run again, or pass --force to apply ${now} ` +
    `over it`
  );
}
