/**
 * A private MariaDB server for the contract tier: Debian's `mariadb-server`, in a temporary
 * data folder, on a free loopback port and its own socket, stopped at the end whatever happens.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import * as os from "node:os";
import * as path from "node:path";
import { run, runOk, which } from "./exec";

/** The Debian packages that bring the server and the `mysql` client. */
export const MARIADB_PACKAGES = ["mariadb-server", "mariadb-client"] as const;

/** How to get MariaDB, for a person. */
export const MARIADB_INSTALL_HINT = `install it with: apt-get update && apt-get install -y ${MARIADB_PACKAGES.join(" ")}`;

/** The programs the tier runs, and the Debian package of each. */
const PROGRAMS = {
  "mariadb-install-db": "mariadb-server",
  mariadbd: "mariadb-server",
  mysql: "mariadb-client",
  "mariadb-dump": "mariadb-client",
} as const;

/** A program's path: on PATH, or in /usr/sbin where Debian puts the server for root. */
async function locate(program: string): Promise<string | null> {
  const found = await which(program);
  if (found !== null) return found;
  const sbin = path.join("/usr/sbin", program);
  return existsSync(sbin) ? sbin : null;
}

/** Why MariaDB can't be used here, or null when its programs are all installed. */
export async function mariadbMissing(): Promise<string | null> {
  for (const [program, pkg] of Object.entries(PROGRAMS)) {
    if ((await locate(program)) === null)
      return `${program} is not installed (Debian package ${pkg}); ${MARIADB_INSTALL_HINT}`;
  }
  return null;
}

/** A running private server. */
export interface MariaDb {
  readonly host: "127.0.0.1";
  readonly port: number;
  readonly rootPassword: string;
  /** Runs `mysql` as root over TCP, with the given arguments and standard input. */
  sql(args: readonly string[], input?: string): Promise<string>;
  /** `mariadb-dump` of `databases`, without the dump date: equal states give equal text. */
  dump(databases: readonly string[]): Promise<string>;
  /** Stops the server and removes its folder. Safe to call more than once. */
  stop(): Promise<void>;
}

/** A free TCP port on the loopback address. */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() =>
        typeof address === "object" && address !== null
          ? resolve(address.port)
          : reject(new Error("no port")),
      );
    });
  });
}

/** Ends `child` with SIGTERM, then SIGKILL after `graceSeconds`. */
function terminate(child: ChildProcess, graceSeconds: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill("SIGKILL"), graceSeconds * 1000);
    child.once("exit", () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill("SIGTERM");
  });
}

/**
 * Starts the server: `mariadb-install-db` into a temporary folder, then `mariadbd` with no
 * configuration file but its own (utf8, as the in-cluster MySQL runs), listening on 127.0.0.1 with
 * name resolution off, so TCP logins match `root`@`%`, which gets `rootPassword`.
 */
export async function startMariaDb(rootPassword: string): Promise<MariaDb> {
  const [installDb, server, mysql, dumpProgram] = await Promise.all(
    ["mariadb-install-db", "mariadbd", "mysql", "mariadb-dump"].map(locate),
  );
  if (installDb === null || server === null || mysql === null || dumpProgram === null)
    throw new Error(`MariaDB is not installed; ${MARIADB_INSTALL_HINT}`);
  const dir = mkdtempSync(path.join(os.tmpdir(), "tarsfed-contract-db-"));
  const user = os.userInfo().username;
  const socket = path.join(dir, "mysqld.sock");
  const data = path.join(dir, "data");
  let child: ChildProcess | undefined;
  // On an abrupt exit (a signal while starting), kill the server and remove its folder at once.
  const onExit = () => {
    child?.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  };
  const stop = async () => {
    process.off("exit", onExit);
    if (child !== undefined) await terminate(child, 20);
    rmSync(dir, { recursive: true, force: true });
  };
  process.on("exit", onExit);
  try {
    await runOk(installDb, [
      "--no-defaults",
      `--datadir=${data}`,
      `--user=${user}`,
      "--auth-root-authentication-method=normal",
      "--skip-test-db",
    ]);
    const port = await freePort();
    child = spawn(
      server,
      [
        "--no-defaults",
        `--datadir=${data}`,
        `--socket=${socket}`,
        `--port=${port}`,
        "--bind-address=127.0.0.1",
        "--skip-name-resolve",
        `--pid-file=${path.join(dir, "mysqld.pid")}`,
        `--log-error=${path.join(dir, "error.log")}`,
        "--character-set-server=utf8",
        "--collation-server=utf8_general_ci",
        `--user=${user}`,
      ],
      { stdio: "ignore" },
    );
    const local = (sql: string) =>
      runOk(mysql, [`--socket=${socket}`, "--user=root", "-N", "-B", "-e", sql]);
    await waitFor(() => local("SELECT 1"), child, path.join(dir, "error.log"), 60);
    // install-db leaves password-less root logins for 127.0.0.1 and ::1; only root@% may log in over TCP.
    await local(
      "DROP USER IF EXISTS 'root'@'127.0.0.1', 'root'@'::1'; " +
        `CREATE USER 'root'@'%' IDENTIFIED BY '${rootPassword}'; ` +
        "GRANT ALL PRIVILEGES ON *.* TO 'root'@'%' WITH GRANT OPTION; FLUSH PRIVILEGES;",
    );
    const tcp = ["--host=127.0.0.1", `--port=${port}`, "--user=root"];
    const env = { ...process.env, MYSQL_PWD: rootPassword };
    return {
      host: "127.0.0.1",
      port,
      rootPassword,
      sql: (args, input) =>
        runOk(mysql, [...tcp, "--default-character-set=utf8", ...args], { env, input }),
      dump: (databases) =>
        runOk(
          dumpProgram,
          [...tcp, "--skip-dump-date", "--hex-blob", "--databases", ...databases],
          { env },
        ),
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** Retries `probe` every half second until it succeeds, the server exits, or `seconds` pass. */
async function waitFor(
  probe: () => Promise<unknown>,
  child: ChildProcess,
  logFile: string,
  seconds: number,
): Promise<void> {
  const deadline = Date.now() + seconds * 1000;
  for (;;) {
    try {
      await probe();
      return;
    } catch (error) {
      if (child.exitCode !== null)
        throw new Error(
          `mariadbd exited with ${child.exitCode} while starting: ${logTail(logFile)}`,
          { cause: error },
        );
      if (Date.now() > deadline) throw error;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** The last lines of the server's error log, for a message. */
function logTail(file: string): string {
  try {
    return readFileSync(file, "utf8").trim().split("\n").slice(-5).join(" | ");
  } catch {
    return `no log at ${file}`;
  }
}

/** Runs `mysql` as any user over TCP; for login checks. */
export function mysqlAs(db: MariaDb, user: string, password: string, sql: string) {
  return run(
    "mysql",
    ["--host=127.0.0.1", `--port=${db.port}`, `--user=${user}`, "-N", "-B", "-e", sql],
    {
      env: { ...process.env, MYSQL_PWD: password },
    },
  );
}
