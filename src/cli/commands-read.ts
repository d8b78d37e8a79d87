// The commands that read runbooks, documents and run records, or tidy a workspace:
// list, lint, import, drift, verify, clean, transcript.
import { Option, type Command } from 'commander'
// Each command's code is imported when that command runs: `docrun --version` loads commander alone.
import { collect, workspaceOption } from './commands-run.js'

export function registerReadCommands(program: Command): void {
  program
    .command('list')
    .description('show the plan: sections and their blocks with id, language, target and attributes')
    .argument('<runbook>')
    .option('--json', 'print the plan as JSON')
    .option('--set <key=value>', 'override a param (repeatable)', collect)
    .option('--no-infer-expect', 'importing a document: keep the literal blocks its prose introduces as output as text, not {expect}')
    .action(async (runbook: string, opts) => {
      process.exitCode = await (await import('./list.js')).listCommand(runbook, opts)
    })

  program
    .command('lint')
    .description('report what is wrong with runbooks, with line:column')
    .argument('<runbooks...>', 'runbooks, or documents as they are (.rst)')
    .option(
      '--probe',
      "also look up every package the blocks install in the archive and suite the document uses (a private apt state; the host's stays as it is)",
    )
    .option('--no-infer-expect', 'importing a document: keep the literal blocks its prose introduces as output as text, not {expect}')
    .option('--tree <dir>', 'with --probe: a (built) kernel tree to check the paths and selftests targets the document expects against')
    .option('--no-cache', 'lint again even when this runbook, unchanged, was linted by this docrun before (the cache: $XDG_CACHE_HOME/docrun/parsed)')
    .action(async (runbooks: string[], opts) => {
      process.exitCode = await (await import('./lint.js')).lintCommand(runbooks, opts)
    })

  program
    .command('import')
    .description('convert a reStructuredText (or Markdown) document into a runbook, with pandoc')
    .argument('<document>')
    .option('-o, --output <file>', 'write the runbook here (default: standard output)')
    .option('--no-infer-expect', 'importing a document: keep the literal blocks its prose introduces as output as text, not {expect}')
    .action(async (doc: string, opts) => {
      process.exitCode = await (await import('./import.js')).importCommand(doc, opts)
    })

  program
    .command('drift')
    .description("what a mirror runbook changed in the document's blocks (by their mirrors=N); --patch: as a diff against the document")
    .argument('<document>', 'the document (reStructuredText or Markdown)')
    .argument('<runbook>', 'the runbook that mirrors it')
    .option('--patch', "print a unified diff against the document's own text (apply with `patch -p1` in its directory)")
    .action(async (doc: string, runbook: string, opts) => {
      process.exitCode = await (await import('./drift.js')).driftCommand(doc, runbook, opts)
    })

  program
    .command('verify')
    .description('run only the postconditions of the blocks already done: is this machine still as the runbook left it?')
    .argument('<runbook>')
    .addOption(workspaceOption())
    .option('--section <section>', 'only this section (number, title or slug)')
    .action(async (runbook: string, opts) => {
      process.exitCode = await (await import('./verify.js')).verifyCommand(runbook, opts)
    })

  program
    .command('clean')
    .description("tear down the mounts and loop devices the runbook's runs left (kept ones too), innermost first")
    .argument('<runbook>')
    .addOption(workspaceOption())
    .action(async (runbook: string, opts) => {
      process.exitCode = await (await import('./clean.js')).cleanCommand(runbook, opts)
    })

  program
    .command('transcript')
    .description("print a run's transcript again from its event log")
    .option('--run <id|dir>', 'run id or run directory (default: the latest run)')
    .addOption(workspaceOption())
    .option('--runbook <path>', 'the runbook the run used (default: from the run record)')
    .addOption(new Option('--normalize', 'drop times, durations and run ids so two transcripts diff cleanly'))
    .action(async (opts) => {
      process.exitCode = await (await import('./transcript.js')).transcriptCommand(opts)
    })
}
