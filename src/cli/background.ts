// Long runs in the background: `docrun run --detach` starts one (setsid, no terminal),
// `docrun status --follow` watches any run from its event stream, `docrun stop` interrupts
// it as Ctrl-C would (guest shut down, resources per the ledger, resumable).
import { spawn } from 'node:child_process'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { mkdir, readlink } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { followRun, runStart } from '../run/follow.js'
import type { RunEvent } from '../events/events.js'
import { isAlive } from '../state/lock.js'
import { ConsoleReporter } from '../report/console.js'
import { LiveReporter } from '../report/live.js'
import { serveReport } from '../report/html/serve.js'
import { EXIT } from '../common/exit-codes.js'
import { CliError } from './load.js'
import { newRunId } from './run.js'

/** A run's directory from its id (or a path), the latest run when none is named. */
export async function runDirOf(workspace: string | undefined, run: string | undefined): Promise<string> {
  const runs = join(resolve(workspace ?? process.cwd()), '.docrun', 'runs')
  if (run && run.includes('/')) return resolve(run)
  if (run) return join(runs, run)
  try {
    return join(runs, await readlink(join(runs, 'latest')))
  } catch {
    throw new CliError(`no runs in ${runs} yet (name the workspace with -w)`)
  }
}

/**
 * Start this same command again without --detach, in its own session (setsid) with no
 * terminal, its output in console.log in the run directory; wait until it has started the
 * run (or failed to), print the run id, and return.
 */
export async function detachRun(opts: { workspace?: string; out?: string }): Promise<number> {
  const runId = newRunId()
  const runDir = opts.out ? resolve(opts.out) : join(resolve(opts.workspace ?? process.cwd()), '.docrun', 'runs', runId)
  await mkdir(runDir, { recursive: true, mode: 0o700 })
  const logPath = join(runDir, 'console.log')
  const log = openSync(logPath, 'a', 0o600)
  const args = process.argv.slice(2).filter((a) => a !== '--detach')
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, DOCRUN_RUN_ID: runId },
  })
  closeSync(log)
  let exited: number | null | undefined
  child.on('exit', (code, sig) => (exited = code ?? (sig ? 128 : EXIT.internal)))
  child.unref()
  const deadline = Date.now() + 60_000
  while (exited === undefined && Date.now() < deadline) {
    if (await runStart(runDir)) break
    await sleep(100)
  }
  if (exited !== undefined && !(await runStart(runDir))) {
    // It never started the run (bad runbook, workspace locked): say why, with its exit code.
    process.stderr.write(readFileSync(logPath, 'utf8'))
    return exited ?? EXIT.internal
  }
  if (exited === undefined && !(await runStart(runDir))) throw new CliError(`the background docrun (pid ${child.pid}) did not start the run within 60s; see ${logPath}`)
  const ws = opts.workspace ? ` -w ${opts.workspace}` : ''
  process.stdout.write(`${runId}\n`)
  process.stderr.write(
    `docrun: run ${runId} goes on in the background (pid ${child.pid})\n` +
      `  follow it:  docrun status --follow ${runId}${ws}\n` +
      `  stop it:    docrun stop ${runId}${ws}\n` +
      `  its output: ${logPath}\n`,
  )
  return EXIT.ok
}

/** Follow a run to its end with the foreground's rendering; exit with the run's exit code. */
export async function followCommand(opts: { workspace?: string; run?: string; verbose?: boolean; quiet?: boolean; serve?: string | true; host?: string }): Promise<number> {
  const runDir = await runDirOf(opts.workspace, opts.run)
  const live = process.stdout.isTTY && !opts.verbose && !opts.quiet
  const reporter = live ? new LiveReporter(process.stdout) : new ConsoleReporter({ quiet: opts.quiet === true, timestamps: !process.stdout.isTTY })
  // --serve: the run's report page, live, for a browser (loopback unless --host says otherwise).
  const port = opts.serve === true ? 8390 : Number(opts.serve)
  if (opts.serve !== undefined && !(Number.isInteger(port) && port >= 0 && port < 65536)) throw new CliError(`--serve ${opts.serve}: a port number (0: any free port)`)
  const server = opts.serve !== undefined ? await serveReport(runDir, { port, host: opts.host ?? '127.0.0.1' }) : undefined
  if (server) process.stderr.write(`docrun: the run's report page, live: ${server.url}\n`)
  const controller = new AbortController()
  // Ctrl-C stops following, never the run: it is in its own session, and we only read.
  const onInt = () => controller.abort()
  process.on('SIGINT', onInt)
  try {
    const end = await followRun(runDir, { onEvent: (e) => (server?.push(e), reporter.on(e)), signal: controller.signal })
    if (end.kind === 'ended') return end.event.exitCode
    if (end.kind === 'aborted') {
      process.stderr.write(`\ndocrun: stopped following; the run goes on (\`docrun stop ${runIdOf(runDir)}\` interrupts it)\n`)
      return EXIT.interrupted
    }
    process.stderr.write(`\ndocrun: the run's docrun (pid ${end.pid}) is gone without finishing the run; \`docrun run RUNBOOK --resume\` continues it\n`)
    return EXIT.interrupted
  } finally {
    process.off('SIGINT', onInt)
    await server?.close()
  }
}

/** Interrupt a run as Ctrl-C would, and wait until it has cleaned up. */
export async function stopCommand(opts: { workspace?: string; run?: string; timeout?: string }): Promise<number> {
  const runDir = await runDirOf(opts.workspace, opts.run)
  const start = await runStart(runDir)
  if (!start?.pid) throw new CliError(`no running docrun recorded in ${runDir}`)
  const owner = { pid: start.pid, startTime: start.pidStart ?? '' }
  // Already over (its run-end is written, though its docrun may still be exiting)? Then say so.
  const ended = runEndOf(runDir)
  if (ended || !isAlive(owner)) {
    await waitGone(owner)
    process.stderr.write(`docrun: run ${start.runId} is not running${ended ? ` (it ${ended.status})` : ''}\n`)
    return EXIT.ok
  }
  process.kill(owner.pid, 'SIGINT')
  process.stderr.write(`docrun: interrupting run ${start.runId} (pid ${owner.pid}); waiting for it to shut its guests down and clean up\n`)
  const controller = new AbortController()
  const limitMs = 5 * 60_000
  const timer = setTimeout(() => controller.abort(), limitMs)
  try {
    const res = await followRun(runDir, { onEvent: () => {}, signal: controller.signal })
    if (res.kind === 'ended') {
      // Returning means the workspace is free again: wait for its docrun to release it.
      await waitGone(owner)
      process.stderr.write(`docrun: run ${start.runId} ${res.event.status}${res.event.message ? `: ${res.event.message}` : ''}\n`)
      return EXIT.ok
    }
    if (res.kind === 'gone') return EXIT.ok
    throw new CliError(`run ${start.runId} did not stop within ${limitMs / 60_000} minutes; \`docrun stop\` again hurries it (a second interrupt)`)
  } finally {
    clearTimeout(timer)
  }
}

/** The run's run-end event, if its events file has one. */
function runEndOf(runDir: string): Extract<RunEvent, { type: 'run-end' }> | undefined {
  let text = ''
  try {
    text = readFileSync(join(runDir, 'events.jsonl'), 'utf8')
  } catch {
    return undefined
  }
  for (const line of text.trimEnd().split('\n').reverse()) {
    try {
      const e = JSON.parse(line) as RunEvent
      if (e.type === 'run-end') return e
    } catch {
      // a torn last line
    }
  }
  return undefined
}

/** Wait (a while) until a docrun process has exited. */
async function waitGone(owner: { pid: number; startTime: string }, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (isAlive(owner) && Date.now() < end) await sleep(100)
}

function runIdOf(runDir: string): string {
  return runDir.split('/').pop() ?? runDir
}
