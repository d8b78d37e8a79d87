#!/usr/bin/env node
// docrun's command line: thin commands over runbook → plan → run.
import { verifyCommand } from './verify.js'
import { importCommand } from './import.js'
import { Command, Option } from 'commander'
import { VERSION } from '../version.js'
import { EXIT } from '../common/exit-codes.js'
import { CliError } from './load.js'
import { runCommand } from './run.js'
import { lintCommand, listCommand, statusCommand, transcriptCommand } from './info.js'
import { cleanCommand } from './clean.js'
import { detachRun, followCommand, stopCommand } from './background.js'
import { driftCommand } from './drift.js'
import { cacheCommands } from './cache.js'
import { matrixCommand, reportMergeCommand } from './matrix.js'
import { reportCommand } from './report.js'

const collect = (value: string, prev: string[] = []) => [...prev, value]
/** Every command that reads a workspace takes it the same way. */
const workspaceOption = () => new Option('-w, --workspace <dir>', 'workspace (default: current directory)')

const program = new Command()
program.name('docrun').description('Run the shell blocks of a Markdown runbook, check them, and keep an annotated transcript.').version(VERSION)
program.exitOverride()

program
  .command('run')
  .description('run a runbook\'s blocks in order (on the host, in a chroot or in a guest)')
  .argument('<runbook>', 'Markdown runbook')
  .option('--resume', 'continue at the first failed or unrun block, shell state restored')
  .option('--from <section>', 'start at this section (number, title or slug)')
  .option('--to <section>', 'stop after this section')
  .option('--only <block>', 'run only this block (repeatable)', collect)
  .option('--set <key=value>', 'override a param (repeatable)', collect)
  .option('-w, --workspace <dir>', 'workspace: where blocks start and .docrun/ lives (default: current directory)')
  .option('--out <dir>', 'write the run record here instead of .docrun/runs/<run-id>')
  .option('--normalize', 'write the transcript without times, durations and run ids')
  .option('-q, --quiet', 'print only failures and the summary')
  .option('--junit <path>', 'also write the JUnit XML report here (it is always in the run directory)')
  .option('-v, --verbose', "stream every block's output (on a terminal too, instead of the live progress)")
  .option('--update-expect', 'rewrite {expect} blocks that do not match with the actual output, and print the diff applied')
  .option('--detach', 'run in the background (own session, no terminal); print the run id and return')
  .option('--cache-dir <dir>', 'the block cache for {cache=PATHS} blocks (default: $XDG_CACHE_HOME/docrun/blocks, i.e. ~/.cache/docrun/blocks)')
  .option('--no-cache', 'neither restore {cache=PATHS} blocks from the block cache nor store them')
  .option('--debug', 'at a terminal: a shell where a block fails (and at {breakpoint}s), then retry, continue, skip or abort')
  .action(async (runbook: string, opts) => {
    if (opts.debug && opts.detach) throw new CliError('docrun: --debug needs a person at the terminal; --detach runs without one')
    process.exitCode = opts.detach ? await detachRun(opts) : await runCommand(runbook, opts)
  })

program
  .command('list')
  .description('show the plan: sections and their blocks with id, language, target and attributes')
  .argument('<runbook>')
  .option('--json', 'print the plan as JSON')
  .option('--set <key=value>', 'override a param (repeatable)', collect)
  .action(async (runbook: string, opts) => {
    process.exitCode = await listCommand(runbook, opts)
  })

program
  .command('lint')
  .description('report what is wrong with runbooks, with line:column')
  .argument('<runbooks...>', 'runbooks, or documents as they are (.rst)')
  .option('--probe', "also look up every package the blocks install in the archive and suite the document uses (a private apt state; the host's stays as it is)")
  .option('--tree <dir>', 'with --probe: a (built) kernel tree to check the paths and selftests targets the document expects against')
  .action(async (runbooks: string[], opts) => {
    process.exitCode = await lintCommand(runbooks, opts)
  })

program
  .command('status')
  .description('which blocks are done, failed, stale or not run in this workspace; or follow a run')
  .argument('[runbook]')
  .addOption(workspaceOption())
  .option('--json', 'print as JSON')
  .option('--follow [run]', "follow a run's progress (default: the latest run) and exit with its exit code; Ctrl-C leaves the run alone")
  .option('-v, --verbose', 'with --follow: plain lines with every output, also on a terminal')
  .option('-q, --quiet', 'with --follow: only failures and the summary')
  .option('--serve [port]', 'with --follow: serve the run\'s report page, live, on this port (default 8390; 0: any free port)')
  .option('--host <address>', 'with --serve: listen on this address instead of 127.0.0.1 (loopback only)')
  .action(async (runbook: string | undefined, opts) => {
    if (opts.follow !== undefined) process.exitCode = await followCommand({ ...opts, ...(typeof opts.follow === 'string' ? { run: opts.follow } : {}) })
    else if (!runbook) throw new CliError('docrun status RUNBOOK (or `docrun status --follow [RUN]`)')
    else process.exitCode = await statusCommand(runbook, opts)
  })

program
  .command('stop')
  .description('interrupt a run as Ctrl-C would (guests shut down, resources torn down per the ledger; resumable)')
  .argument('[run]', 'run id (default: the latest run)')
  .addOption(workspaceOption())
  .action(async (run: string | undefined, opts) => {
    process.exitCode = await stopCommand({ ...opts, ...(run ? { run } : {}) })
  })

program
  .command('import')
  .description('convert a reStructuredText (or Markdown) document into a runbook, with pandoc')
  .argument('<document>')
  .option('-o, --output <file>', 'write the runbook here (default: standard output)')
  .action(async (doc: string, opts) => {
    process.exitCode = await importCommand(doc, opts)
  })

program
  .command('drift')
  .description("what a mirror runbook changed in the document's blocks (by their mirrors=N); --patch: as a diff against the document")
  .argument('<document>', 'the document (reStructuredText or Markdown)')
  .argument('<runbook>', 'the runbook that mirrors it')
  .option('--patch', 'print a unified diff against the document\'s own text (apply with `patch -p1` in its directory)')
  .action(async (doc: string, runbook: string, opts) => {
    process.exitCode = await driftCommand(doc, runbook, opts)
  })

program
  .command('verify')
  .description('run only the postconditions of the blocks already done: is this machine still as the runbook left it?')
  .argument('<runbook>')
  .addOption(workspaceOption())
  .option('--section <section>', 'only this section (number, title or slug)')
  .action(async (runbook: string, opts) => {
    process.exitCode = await verifyCommand(runbook, opts)
  })

program
  .command('clean')
  .description('tear down the mounts and loop devices the runbook\'s runs left (kept ones too), innermost first')
  .argument('<runbook>')
  .addOption(workspaceOption())
  .action(async (runbook: string, opts) => {
    process.exitCode = await cleanCommand(runbook, opts)
  })

program
  .command('transcript')
  .description('print a run\'s transcript again from its event log')
  .option('--run <id|dir>', 'run id or run directory (default: the latest run)')
  .addOption(workspaceOption())
  .option('--runbook <path>', 'the runbook the run used (default: from the run record)')
  .addOption(new Option('--normalize', 'drop times, durations and run ids so two transcripts diff cleanly'))
  .action(async (opts) => {
    process.exitCode = await transcriptCommand(opts)
  })

cacheCommands(program.command('cache'), collect)

program
  .command('matrix')
  .description("the runbook's front matter `matrix:` as a CI job matrix (--emit), or run its entries here (--local)")
  .argument('<runbook>')
  .option('--emit <system>', 'print the job matrix for github, gitlab, or json')
  .option('--workflow', 'with --emit: print the whole workflow (GitHub) or pipeline (GitLab), not only the matrix')
  .option('--local', 'run every entry here, each in its own workspace, and merge their reports')
  .option('-j, --jobs <n>', 'with --local: entries run at once (default 1)')
  .option('--workspace-root <dir>', 'with --local: entry ID runs in DIR/ID, its output in DIR/ID.log (default: ws)')
  .action(async (runbook: string, opts) => {
    process.exitCode = await matrixCommand(runbook, opts)
  })

// `report` takes subcommands (`merge`); a `report [run]` action of its own can sit beside them:
// commander dispatches to a subcommand only when the first argument names one.
const report = program.command('report').description("a run's report page (report.html) again from its events.jsonl, --compare with another run; or `report merge` runs' reports into one")
report
  .command('merge')
  .description("combine runs' junit.xml and summary.json (a matrix's entries) into one report, a row per run")
  .argument('<run-dirs...>', 'run directories (WS/.docrun/runs/latest, or a copy of one)')
  .option('--junit <path>', 'write the merged JUnit XML here (a testsuite per run and section)')
  .option('--json <path>', 'write the merged summary here (a row per run)')
  .action(async (dirs: string[], opts) => {
    process.exitCode = await reportMergeCommand(dirs, opts)
  })

// `docrun report [RUN]`: the run's report page, drawn again from its events.jsonl.
report
  .argument('[run]', 'run id or run directory (default: the latest run)')
  .addOption(workspaceOption())
  .option('--html <path>', 'write the page here (default: report.html in the run directory)')
  .option('--compare <run>', 'compare with another run: in the page, or as text on stdout without --html')
  .action(async (run: string | undefined, opts) => {
    process.exitCode = await reportCommand({ ...opts, ...(run ? { run } : {}) })
  })

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
  else if (error instanceof CliError) {
    process.stderr.write(`${error.message}\n`)
    process.exitCode = error.exitCode
  } else {
    process.stderr.write(`docrun: internal error: ${(error as Error).stack ?? String(error)}\n`)
    process.exitCode = EXIT.internal
  }
}
