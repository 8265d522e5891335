/**
 * Exit codes of `tarsfed`, defined once (DESIGN.md).
 */
export const ExitCode = {
  /** Done. */
  Ok: 0,
  /** Refused or invalid: invalid fleet, mandatory policy finding, short capacity, missing Pulumi CLI. */
  Refused: 1,
  /** Usage error: unknown command or flag, bad flag value. */
  Usage: 2,
  /** A cloud or remote failure during a real run. */
  Remote: 3,
  /** A bug in tarsfed. */
  Internal: 4,
} as const;

/** One of {@link ExitCode}. */
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];
