// The commands that run a runbook or watch and stop a run: run, status, stop.
import { Option, type Command } from 'commander'
// Each command's code is imported when that command runs: `docrun --version` loads commander alone.
import { CliError } from '../common/errors.js'

export const collect = (value: string, prev: string[] = []) => [...prev, value]
/** Every command that reads a workspace takes it the same way. */
export const workspaceOption = () => new Option('-w, --workspace <dir>', 'workspace (default: current directory)')

export function registerRunCommands(program: Command): void {
  program
    .command('run')
    .description("run a runbook's blocks in order (on the host, in a chroot or in a guest)")
    .argument('<runbook>', 'Markdown runbook')
    .option('--resume', 'continue at the first failed or unrun block, shell state restored')
    .option('--from <section>', 'start at this section (number, title or slug) or block (name)')
    .option('--to <section>', 'stop after this section or block')
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
    .option('--no-infer-expect', 'running a document as it is: keep the literal blocks its prose introduces as output as text, not {expect}')
    .option('--debug', 'at a terminal: a shell where a block fails (and at {breakpoint}s), then retry, continue, skip or abort')
    .action(async (runbook: string, opts) => {
      if (opts.debug && opts.detach) throw new CliError('docrun: --debug needs a person at the terminal; --detach runs without one')
      process.exitCode = opts.detach ? await (await import('./background.js')).detachRun(opts) : await (await import('./run.js')).runCommand(runbook, opts)
    })

  program
    .command('status')
    .description('which blocks are done, failed, stale or not run in this workspace; or follow a run')
    .argument('[runbook]')
    .addOption(workspaceOption())
    .option('--json', 'print as JSON')
    .option('--set <key=value>', 'the params the runs used (blocks with a when= condition depend on them)', collect)
    .option('--follow [run]', "follow a run's progress (default: the latest run) and exit with its exit code; Ctrl-C leaves the run alone")
    .option('-v, --verbose', 'with --follow: plain lines with every output, also on a terminal')
    .option('-q, --quiet', 'with --follow: only failures and the summary')
    .option('--serve [port]', "with --follow: serve the run's report page, live, on this port (default 8390; 0: any free port)")
    .option('--host <address>', 'with --serve: listen on this address instead of 127.0.0.1 (loopback only)')
    .action(async (runbook: string | undefined, opts) => {
      if (opts.follow !== undefined)
        process.exitCode = await (await import('./background.js')).followCommand({ ...opts, ...(typeof opts.follow === 'string' ? { run: opts.follow } : {}) })
      else if (!runbook) throw new CliError('docrun status RUNBOOK (or `docrun status --follow [RUN]`)')
      else process.exitCode = await (await import('./status.js')).statusCommand(runbook, opts)
    })

  program
    .command('stop')
    .description('interrupt a run as Ctrl-C would (guests shut down, resources torn down per the ledger; resumable)')
    .argument('[run]', 'run id (default: the latest run)')
    .addOption(workspaceOption())
    .action(async (run: string | undefined, opts) => {
      process.exitCode = await (await import('./background.js')).stopCommand({ ...opts, ...(run ? { run } : {}) })
    })
}
