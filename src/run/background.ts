// A run in the background: started in its own session (setsid) with no terminal, its output in
// console.log in the run directory; stopped as Ctrl-C would stop it.
import { spawn } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { closeSync, openSync, readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { readRunEnd, readRunStart } from '../events/read.js'
import type { RunEvent } from '../events/events.js'
import { isAlive } from '../state/lock.js'
import { EXIT } from '../common/exit-codes.js'
import { DocrunError } from '../common/errors.js'
import { followRun } from './follow.js'

/** A run's id: when it started, and a few random digits. */
export function newRunId(): string {
  const d = new Date()
  const p = (n: number) => String(n).padStart(2, '0')
  return `${d.getFullYear()}${p(d.getMonth() + 1)}${p(d.getDate())}-${p(d.getHours())}${p(d.getMinutes())}${p(d.getSeconds())}-${randomBytes(2).toString('hex')}`
}

/** The environment variable a detached run's id is handed down in (the starter printed it already). */
export const RUN_ID_ENV = 'DOCRUN_RUN_ID'

export type Detached = { kind: 'started'; pid: number; logPath: string } | { kind: 'failed'; exitCode: number; log: string }

/**
 * Start this same command again (`args`, without --detach) in its own session with no terminal,
 * and wait until it has started the run (or failed to: bad runbook, workspace locked).
 */
export async function startDetached(runDir: string, runId: string, args: string[], waitMs = 60_000): Promise<Detached> {
  await mkdir(runDir, { recursive: true, mode: 0o700 })
  const logPath = join(runDir, 'console.log')
  const log = openSync(logPath, 'a', 0o600)
  const child = spawn(process.execPath, [...process.execArgv, process.argv[1]!, ...args], {
    detached: true,
    stdio: ['ignore', log, log],
    env: { ...process.env, [RUN_ID_ENV]: runId },
  })
  closeSync(log)
  let exited: number | undefined
  child.on('exit', (code, sig) => (exited = code ?? (sig ? 128 : EXIT.internal)))
  child.unref()
  const deadline = Date.now() + waitMs
  while (exited === undefined && Date.now() < deadline && !(await readRunStart(runDir))) await sleep(100)
  if (await readRunStart(runDir)) return { kind: 'started', pid: child.pid!, logPath }
  if (exited !== undefined) return { kind: 'failed', exitCode: exited, log: readFileSync(logPath, 'utf8') }
  throw new DocrunError(`the background docrun (pid ${child.pid}) did not start the run within ${waitMs / 1000}s; see ${logPath}`)
}

export type Stopped =
  | { kind: 'not-running'; runId: string; ended?: Extract<RunEvent, { type: 'run-end' }> }
  | { kind: 'stopped'; runId: string; ended: Extract<RunEvent, { type: 'run-end' }> }
  | { kind: 'gone'; runId: string }

/** Interrupt a run as Ctrl-C would (SIGINT), and wait until it has cleaned up and let go of the workspace. */
export async function stopRun(runDir: string, onInterrupt: (runId: string, pid: number) => void, limitMs = 5 * 60_000): Promise<Stopped> {
  const start = await readRunStart(runDir)
  if (!start?.pid) throw new DocrunError(`no running docrun recorded in ${runDir}`)
  const owner = { pid: start.pid, startTime: start.pidStart ?? '' }
  // Already over (its run-end is written, though its docrun may still be exiting)? Then say so.
  const ended = await readRunEnd(runDir)
  if (ended || !isAlive(owner)) {
    await waitGone(owner)
    return { kind: 'not-running', runId: start.runId, ...(ended ? { ended } : {}) }
  }
  process.kill(owner.pid, 'SIGINT')
  onInterrupt(start.runId, owner.pid)
  const res = await followRun(runDir, { onEvent: () => {}, signal: AbortSignal.timeout(limitMs) })
  if (res.kind === 'gone') return { kind: 'gone', runId: start.runId }
  if (res.kind === 'aborted')
    throw new DocrunError(`run ${start.runId} did not stop within ${limitMs / 60_000} minutes; \`docrun stop\` again hurries it (a second interrupt)`)
  // Returning means the workspace is free again: wait for its docrun to release it.
  await waitGone(owner)
  return { kind: 'stopped', runId: start.runId, ended: res.event }
}

/** Wait (a while) until a docrun process has exited. */
async function waitGone(owner: { pid: number; startTime: string }, ms = 30_000): Promise<void> {
  const end = Date.now() + ms
  while (isAlive(owner) && Date.now() < end) await sleep(100)
}
