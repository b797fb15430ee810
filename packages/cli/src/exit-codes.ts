/**
 * The CLI's exit codes (documented in README.md):
 * 0 — done; 1 — the input or the request was refused (an invalid spec, an unknown rollout, an action the
 * phase does not allow, a token without the scope); 2 — the command line itself was wrong (unknown command
 * or option, missing argument); 3 — the server could not be reached or failed (network, 5xx, 429).
 */
export const EXIT = { ok: 0, refused: 1, usage: 2, server: 3 } as const;
export type ExitCode = (typeof EXIT)[keyof typeof EXIT];

/** An error the CLI reports in one or more lines on stderr and exits with `code`. */
export class CliError extends Error {
  override name = 'CliError';
  constructor(
    message: string,
    readonly code: ExitCode,
    /** More lines after the message: the problems of a spec, each with its place. */
    readonly details: readonly string[] = [],
  ) {
    super(message);
  }
}
