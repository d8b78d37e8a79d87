#!/usr/bin/env node
// docrun's command line: thin commands over runbook → plan → run. The one place errors become
// the process's exit code: a DocrunError carries its own; anything else is docrun's fault.
import { Command } from 'commander'
import { VERSION } from '../version.js'
import { EXIT } from '../common/exit-codes.js'
import { DocrunError } from '../common/errors.js'
import { registerRunCommands } from './commands-run.js'
import { registerReadCommands } from './commands-read.js'
import { registerCiCommands } from './commands-ci.js'

const program = new Command()
program.name('docrun').description('Run the shell blocks of a Markdown runbook, check them, and keep an annotated transcript.').version(VERSION)
program.exitOverride()
registerRunCommands(program)
registerReadCommands(program)
registerCiCommands(program)

// `docrun list RUNBOOK | head`: a reader that stops early is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0)
  throw e
})

try {
  await program.parseAsync(process.argv)
} catch (error) {
  const e = error as { code?: string; exitCode?: number }
  if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version') process.exitCode = EXIT.ok
  else if (e.code?.startsWith('commander.')) process.exitCode = EXIT.usage
  else if (error instanceof DocrunError) {
    process.stderr.write(`${error.message}\n`)
    process.exitCode = error.exitCode
  } else {
    process.stderr.write(`docrun: internal error: ${(error as Error).stack ?? String(error)}\n`)
    process.exitCode = EXIT.internal
  }
}
