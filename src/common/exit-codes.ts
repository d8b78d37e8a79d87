// docrun's exit codes (documented in the README).
export const EXIT = {
  ok: 0,
  /** A block failed (its command, its timeout, or its check). */
  failed: 1,
  /** The runbook or the command line is wrong; nothing ran. */
  usage: 2,
  /** Interrupted (Ctrl-C, SIGTERM, docrun stop); resumable with --resume. */
  interrupted: 130,
  /** docrun itself failed. */
  internal: 70,
  /** Another docrun holds the workspace lock. */
  locked: 75,
} as const
