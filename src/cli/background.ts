// Long runs in the background: `docrun run --detach` starts one (setsid, no terminal),
// `docrun status --follow` watches any run from its event stream, `docrun stop` interrupts
// it as Ctrl-C would (guest shut down, resources per the ledger, resumable).
import { readlink } from 'node:fs/promises'
import { basename, resolve } from 'node:path'
import { followRun } from '../run/follow.js'
import { newRunId, startDetached, stopRun } from '../run/background.js'
import { docrunPaths, runDirOf } from '../state/paths.js'
import { ConsoleReporter } from '../report/console.js'
import { serveReport } from '../report/html/serve.js'
import { EXIT } from '../common/exit-codes.js'
import { CliError } from './load.js'

/** A run's directory from its id (or a path), the latest run when none is named. */
export async function findRunDir(workspace: string | undefined, run: string | undefined): Promise<string> {
  const paths = docrunPaths(workspace ?? process.cwd())
  if (run && run.includes('/')) return resolve(run)
  if (run) return runDirOf(paths, run)
  const latest = await readlink(paths.latest).catch(() => undefined)
  if (latest === undefined) throw new CliError(`no runs in ${paths.runs} yet (name the workspace with -w)`)
  return runDirOf(paths, latest)
}

/** `docrun run --detach`: print the run id and how to follow and stop it, and return. */
export async function detachRun(opts: { workspace?: string; out?: string }): Promise<number> {
  const runId = newRunId()
  const runDir = opts.out ? resolve(opts.out) : runDirOf(docrunPaths(opts.workspace ?? process.cwd()), runId)
  const started = await startDetached(
    runDir,
    runId,
    process.argv.slice(2).filter((a) => a !== '--detach'),
  )
  if (started.kind === 'failed') {
    // It never started the run: say why, with its exit code.
    process.stderr.write(started.log)
    return started.exitCode
  }
  const ws = opts.workspace ? ` -w ${opts.workspace}` : ''
  process.stdout.write(`${runId}\n`)
  process.stderr.write(
    `docrun: run ${runId} goes on in the background (pid ${started.pid})\n` +
      `  follow it:  docrun status --follow ${runId}${ws}\n` +
      `  stop it:    docrun stop ${runId}${ws}\n` +
      `  its output: ${started.logPath}\n`,
  )
  return EXIT.ok
}

/** Follow a run to its end with the foreground's rendering; exit with the run's exit code. */
export async function followCommand(opts: {
  workspace?: string
  run?: string
  verbose?: boolean
  quiet?: boolean
  serve?: string | true
  host?: string
}): Promise<number> {
  const runDir = await findRunDir(opts.workspace, opts.run)
  const live = process.stdout.isTTY && !opts.verbose && !opts.quiet
  const reporter = live
    ? new (await import('../report/live.js')).LiveReporter(process.stdout)
    : new ConsoleReporter({ quiet: opts.quiet === true, timestamps: !process.stdout.isTTY })
  // --serve: the run's report page, live, for a browser (loopback unless --host says otherwise).
  const port = opts.serve === true ? 8390 : Number(opts.serve)
  if (opts.serve !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536))
    throw new CliError(`--serve ${opts.serve}: a port number (0: any free port)`)
  const server = opts.serve !== undefined ? await serveReport(runDir, { port, host: opts.host ?? '127.0.0.1' }) : undefined
  if (server) process.stderr.write(`docrun: the run's report page, live: ${server.url}\n`)
  const controller = new AbortController()
  // Ctrl-C stops following, never the run: it is in its own session, and we only read.
  const onInt = () => controller.abort()
  process.on('SIGINT', onInt)
  try {
    const end = await followRun(runDir, { onEvent: (e) => (server?.push(e), reporter.on(e)), signal: controller.signal })
    if (end.kind === 'ended') return end.event.exitCode
    if (end.kind === 'aborted') process.stderr.write(`\ndocrun: stopped following; the run goes on (\`docrun stop ${basename(runDir)}\` interrupts it)\n`)
    else process.stderr.write(`\ndocrun: the run's docrun (pid ${end.pid}) is gone without finishing the run; \`docrun run RUNBOOK --resume\` continues it\n`)
    return EXIT.interrupted
  } finally {
    process.off('SIGINT', onInt)
    await server?.close()
  }
}

/** Interrupt a run as Ctrl-C would, and wait until it has cleaned up. */
export async function stopCommand(opts: { workspace?: string; run?: string }): Promise<number> {
  const runDir = await findRunDir(opts.workspace, opts.run)
  const res = await stopRun(runDir, (runId, pid) =>
    process.stderr.write(`docrun: interrupting run ${runId} (pid ${pid}); waiting for it to shut its guests down and clean up\n`),
  )
  if (res.kind === 'not-running') process.stderr.write(`docrun: run ${res.runId} is not running${res.ended ? ` (it ${res.ended.status})` : ''}\n`)
  if (res.kind === 'stopped') process.stderr.write(`docrun: run ${res.runId} ${res.ended.status}${res.ended.message ? `: ${res.ended.message}` : ''}\n`)
  return EXIT.ok
}
