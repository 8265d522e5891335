/**
 * Errors a user can act on: printed as their message alone, no stack trace.
 */

/** A refusal or a problem with the user's input; the CLI prints only the message. */
export class UserError extends Error {
  constructor(
    message: string,
    /** Exit code to leave with; see `exit-codes.ts`. */
    readonly exitCode: number = 1,
  ) {
    super(message);
    this.name = "UserError";
  }
}
