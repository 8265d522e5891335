/**
 * Whether `tarsfed up` may apply this fleet revision over the one a stack runs.
 *
 * A platform team keeps the fleet file in git and changes it by commits: git's history is the
 * order of revisions. A stack records the revision it was last applied from (`fleetRevision`,
 * `fleet/operations/revision.ts`), and `up` goes ahead when that revision is this one, or one this
 * checkout has moved on from:
 *
 * - one the fleet file held at a commit behind this checkout, or in its index: this revision
 *   descends from it, whatever edits lie between;
 * - one this checkout applied itself and that no commit holds: an edit `tarsfed failover` made
 *   and `up` applied before it was committed, which a `failback` in the same checkout follows.
 *   The clone records the revisions it applies in its git directory (`tarsfed/applied-revisions`),
 *   outside the work tree and never committed.
 *
 * Any other deployed revision came from a checkout this one has not seen, a later commit or
 * another branch, and applying this one would revert its changes (a failover, say): `up`
 * refuses it unless `--force`. A fleet file git does not track gives no order, so `up` then
 * refuses any revision but the deployed one unless `--force`.
 *
 * Hashing each version of the file (rather than recording commit ids) keeps uncommitted edits,
 * rebases and squashes working: what counts is the content a commit held.
 */
import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync, readFileSync, realpathSync } from "node:fs";
import * as path from "node:path";
import { fleetRevision, shortRevision } from "../../fleet/operations/revision";

/** The revisions a fleet file held before the current text. */
export interface FleetHistory {
  /**
   * Whether this checkout has moved on from `revision`: the file held it at a commit behind the
   * checkout or in the index, or this clone applied it and no commit holds it. Reads history
   * newest first, only as far as it must.
   */
  holds(revision: string): boolean;
  /** Notes that this clone applies `revision` (nothing when the file has no git history). */
  recordApplied(revision: string): void;
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

const lines = (text: string | undefined) => (text ?? "").split("\n").filter((l) => l !== "");

/**
 * The revisions of the file at `spec` that `versions` yields, hashed lazily: `has` reads only
 * as far as it must, and remembers what it read.
 */
function revisionReader(versions: () => Iterable<string | undefined>) {
  const seen = new Set<string>();
  let reader: Iterator<string | undefined> | undefined;
  return (revision: string): boolean => {
    if (seen.has(revision)) return true;
    reader ??= versions()[Symbol.iterator]();
    for (let next = reader.next(); next.done !== true; next = reader.next()) {
      const found = next.value === undefined ? undefined : fleetRevision(next.value);
      if (found === undefined) continue;
      seen.add(found);
      if (found === revision) return true;
    }
    return false;
  };
}

/** The file's version in the index, then at each commit `logArgs` lists, newest first. */
function* fileVersions(dir: string, spec: string, logArgs: readonly string[]) {
  yield git(dir, ["show", `:${spec}`]);
  const commits = lines(git(dir, ["log", ...logArgs, "--full-history", "--format=%H", "--", spec]));
  for (const commit of commits) yield git(dir, ["show", `${commit}:${spec}`]);
}

/**
 * The git history of the fleet file `file` (a symlink is followed to the file it names): the
 * version in the index, then the version of every commit that changed it, newest first, on every
 * branch merged into the current checkout (`git log --full-history`); and the revisions this
 * clone applied.
 */
export function gitFleetHistory(file: string): FleetHistory {
  const none = (unavailable: string): FleetHistory => ({
    holds: () => false,
    recordApplied: () => {},
    unavailable,
  });
  let real: string;
  try {
    real = realpathSync(file);
  } catch {
    return none(`${file} cannot be read`);
  }
  const dir = path.dirname(real);
  // `<rev>:./<name>` names the file relative to `dir` (gitrevisions(7)).
  const spec = `./${path.basename(real)}`;
  const gitDir = git(dir, ["rev-parse", "--absolute-git-dir"])?.trim();
  if (gitDir === undefined || git(dir, ["ls-files", "--error-unmatch", "--", spec]) === undefined)
    return none(`git does not track ${file}`);
  const log = path.join(gitDir, "tarsfed", "applied-revisions");
  const behind = revisionReader(() => fileVersions(dir, spec, []));
  const committedAnywhere = revisionReader(() => fileVersions(dir, spec, ["--all"]));
  const applied = () => {
    try {
      return new Set(lines(readFileSync(log, "utf8")));
    } catch {
      return new Set<string>();
    }
  };
  return {
    holds: (revision) =>
      behind(revision) || (applied().has(revision) && !committedAnywhere(revision)),
    recordApplied: (revision) => {
      if (applied().has(revision)) return;
      mkdirSync(path.dirname(log), { recursive: true });
      appendFileSync(log, `${revision}\n`);
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
 * the stack records none, the same one, or one this checkout has moved on from.
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
