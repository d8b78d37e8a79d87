// One base for the errors a user can act on: each carries the exit code docrun ends with.
// cli/main.ts alone maps them to the process exit (message on stderr); anything else is internal.
import { EXIT } from './exit-codes.js'

export class DocrunError extends Error {
  constructor(
    message: string,
    readonly exitCode: number = EXIT.usage,
  ) {
    super(message)
    this.name = new.target.name
  }
}

/** The command line is wrong, or what it names is (exit 2 unless said otherwise). */
export class CliError extends DocrunError {}
