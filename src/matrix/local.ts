// `docrun matrix --local -j N`: the entries run here, each as its own `docrun run` child process
// (the real CLI) in its own workspace, at most N at once. Not a scheduler: a queue and N slots;
// across machines the CI system is the engine (`--emit`).
import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, openSync, closeSync, realpathSync } from 'node:fs'
import { join } from 'node:path'
import { EXIT } from '../common/exit-codes.js'
import { formatDuration } from '../common/durations.js'
import type { MatrixEntry } from './expand.js'

export interface LocalRunOptions {
  /** The runbook (absolute path). */
  runbook: string
  entries: MatrixEntry[]
  jobs: number
  /** Entry `id` runs in `<root>/<id>`; its output goes to `<root>/<id>.log`. */
  root: string
  /** docrun's own CLI entry (main.js), run with this Node. */
  cli: string
  /** Called as each entry ends, in the order they end. */
  onEnd?: (r: LocalResult) => void
}

export interface LocalResult {
  entry: MatrixEntry
  status: 'passed' | 'failed' | 'interrupted' | 'error' | 'not run'
  exitCode: number | null
  workspace: string
  log: string
  /** `<workspace>/.docrun/runs/latest`, when the run made one. */
  runDir?: string
  durationMs: number
}

const statusOf = (code: number | null): LocalResult['status'] =>
  code === EXIT.ok ? 'passed' : code === EXIT.failed ? 'failed' : code === EXIT.interrupted ? 'interrupted' : 'error'

export function statusLine(r: LocalResult): string {
  const mark = r.status === 'passed' ? '✅' : r.status === 'interrupted' || r.status === 'not run' ? '⏹️' : '❌'
  const code = r.status === 'passed' || r.status === 'not run' ? '' : ` (exit ${r.exitCode ?? 'none'})`
  return `${mark} ${r.entry.id}  ${r.status}${code}  ${formatDuration(r.durationMs)}  log: ${r.log}`
}

/** One entry: `docrun run RUNBOOK --workspace <root>/<id> --set K=V…`, its output to the log file. */
function runEntry(opts: LocalRunOptions, entry: MatrixEntry, running: Set<number>): Promise<LocalResult> {
  const workspace = join(opts.root, entry.id)
  const log = join(opts.root, `${entry.id}.log`)
  mkdirSync(workspace, { recursive: true })
  const fd = openSync(log, 'w')
  const sets = Object.entries(entry.params).flatMap(([k, v]) => ['--set', `${k}=${v}`])
  const started = Date.now()
  // Its own process group (detached): a Ctrl-C typed at the terminal reaches this docrun only,
  // which forwards it once; docrun run takes a second SIGINT as "hurry".
  const child = spawn(process.execPath, [opts.cli, 'run', opts.runbook, '--workspace', workspace, ...sets], { detached: true, stdio: ['ignore', fd, fd] })
  closeSync(fd)
  if (child.pid !== undefined) running.add(child.pid)
  return new Promise((done) => {
    const finish = (exitCode: number | null) => {
      if (child.pid !== undefined) running.delete(child.pid)
      const latest = join(workspace, '.docrun/runs/latest')
      const result: LocalResult = {
        entry,
        status: statusOf(exitCode),
        exitCode,
        workspace,
        log,
        durationMs: Date.now() - started,
        ...(existsSync(latest) ? { runDir: latest } : {}),
      }
      opts.onEnd?.(result)
      done(result)
    }
    child.on('error', () => finish(null))
    child.on('exit', (code) => finish(code))
  })
}

/**
 * Run every entry, at most `jobs` at once. SIGINT, SIGTERM and SIGHUP are forwarded to every running
 * child (each stops as docrun does: resumable) and no further entry starts; this waits for them.
 */
export async function runLocal(opts: LocalRunOptions): Promise<LocalResult[]> {
  mkdirSync(opts.root, { recursive: true })
  const root = realpathSync(opts.root)
  const o = { ...opts, root }
  const queue = [...opts.entries]
  const running = new Set<number>()
  const results = new Map<string, LocalResult>()
  let stopping = false
  const forward = (sig: NodeJS.Signals) => {
    stopping = true
    for (const pid of running) {
      try {
        process.kill(pid, sig)
      } catch {
        // It ended meanwhile.
      }
    }
  }
  // SIGHUP too: the children have no terminal of their own, a closed one must still stop them.
  const signals: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP']
  for (const sig of signals) process.on(sig, forward)
  const slot = async () => {
    for (let entry = queue.shift(); entry && !stopping; entry = queue.shift()) results.set(entry.id, await runEntry(o, entry, running))
  }
  try {
    await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.jobs, opts.entries.length)) }, slot))
  } finally {
    for (const sig of signals) process.off(sig, forward)
  }
  const notRun = (entry: MatrixEntry): LocalResult => {
    return { entry, status: 'not run', exitCode: null, workspace: join(root, entry.id), log: join(root, `${entry.id}.log`), durationMs: 0 }
  }
  return opts.entries.map((e) => results.get(e.id) ?? notRun(e))
}
