/**
 * What every command gets: output streams, the global options, and the fleet loader.
 */
import { type Command } from "commander";
import { loadFleet, type LoadedFleet } from "../fleet/model/load";
import { type ExitCode } from "./exit-codes";
import { type Io } from "./io";

/** Options every command takes. */
export interface GlobalOptions {
  /** The fleet file. */
  readonly fleet: string;
  /** Print one JSON document on stdout instead of text. */
  readonly json: boolean;
  /** Print stack traces of internal errors. */
  readonly debug: boolean;
}

/** What a command's action works with. */
export interface CommandContext {
  readonly io: Io;
  /** Reads and validates a fleet file; throws `FleetError` listing every problem. */
  readonly load: (file: string) => LoadedFleet;
  globals(command: Command): GlobalOptions;
  setExitCode(code: ExitCode): void;
}

/** The default fleet file. */
export const DEFAULT_FLEET = "stacks/fleet.yaml";

/** A context over real streams and the real loader. */
export function createContext(io: Io, onExit: (code: ExitCode) => void): CommandContext {
  return {
    io,
    load: loadFleet,
    globals(command) {
      const o = command.optsWithGlobals<Partial<GlobalOptions>>();
      return { fleet: o.fleet ?? DEFAULT_FLEET, json: o.json === true, debug: o.debug === true };
    },
    setExitCode: onExit,
  };
}
