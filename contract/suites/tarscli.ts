/**
 * K8STARS' `tarscli`, built from its Go module at the pinned version into the tools cache.
 *
 * The Go module proxy refuses `github.com/tarscloud/k8stars` (HTTP 403 "This module version is
 * not available"): the suite then reports itself not run, with the registry's own words, and
 * never as passed. Where the module can be had, it checks the built binary lists the commands
 * K8STARS images run (`supervisor`, `hzcheck`, `prestop`; K8STARS `cmd/tarscli/main.go`).
 */
import { run } from "../exec";
import { type Checks, NotRun, type Suite } from "../report";
import { ensureGoTool, GO_TOOLS } from "../tools";

/** The tarscli suite; `requireTools` turns a missing Go into a failure instead of a skip. */
export function tarscliSuite(requireTools: boolean): Suite {
  return {
    name: "tarscli",
    async run(checks: Checks) {
      const tool = GO_TOOLS.tarscli;
      const outcome = await ensureGoTool(tool);
      switch (outcome.kind) {
        case "refused":
          throw new NotRun(
            `the Go module registry refused it, so tarscli cannot be built here (a refusal, not a test failure): ${outcome.reason}`,
          );
        case "no-go":
          if (!requireTools) throw new NotRun(outcome.reason);
          checks.that("go is installed", false, outcome.reason);
          return;
        case "failed":
          checks.that(`builds ${tool.pkg}@${tool.version}`, false, outcome.reason);
          return;
        case "ready": {
          checks.that(
            `builds ${tool.pkg}@${tool.version}${outcome.cached ? " (from the tools cache)" : ""}`,
            true,
          );
          const help = await run(outcome.binary, ["help"], { timeoutSeconds: 30 });
          const listing = help.stdout + help.stderr;
          for (const command of ["supervisor", "hzcheck", "prestop"])
            checks.that(
              `tarscli help lists ${command}`,
              listing.includes(command),
              listing.slice(0, 400),
            );
        }
      }
    },
  };
}
