// How docrun starts a process of its own (a shell, QEMU, a background block, an interactive
// block): one command shape. A long-lived process (startDetached) is started by node's spawn,
// with execa's result shape (a promise of how it ended, which never rejects); execa, for a
// command run to its end, is loaded when one is: it is ~120 files and ~0.2 s of CPU, a third
// of a one-block run's start-up.
import { spawn, type ChildProcess } from 'node:child_process'
import { within } from '../shell/within.js'
import { loadExeca } from '../common/load-execa.js'

/** A program to start, as a target builds it. */
export interface Command {
  file: string
  args: string[]
  env?: Record<string, string>
  /** Replace docrun's environment instead of extending it (a chroot's clean environment). */
  cleanEnv?: boolean
  cwd: string
  /** Where it runs, for messages ("on the host", "in chroot tc"). */
  where: string
}

/** How a detached process ended, as execa says it (`reject: false`). */
export interface Ended {
  exitCode?: number
  signal?: NodeJS.Signals
  /** It could not start (no such program, no such directory), or it did not exit 0. */
  failed: boolean
  /** Why it could not start. */
  startError?: Error
}

/** A started process and the promise of its end (settled once it exited and its pipes closed). */
export type Detached = ChildProcess & Promise<Ended>

/**
 * Start `cmd` in a process group of its own, its output piped to docrun as bytes: the terminal's
 * Ctrl-C reaches docrun (which stops things in order), and the ledger or a shutdown ends the whole group.
 */
export function startDetached(cmd: Command, stdin: 'pipe' | 'ignore'): Detached {
  const child = spawn(cmd.file, cmd.args, {
    cwd: cmd.cwd,
    env: cmd.cleanEnv ? (cmd.env ?? {}) : { ...process.env, ...cmd.env },
    stdio: [stdin, 'pipe', 'pipe'],
    detached: true,
  })
  const ended = new Promise<Ended>((resolve) => {
    child.once('error', (error) => resolve({ failed: true, startError: error }))
    child.once('close', (code, signal) => resolve({ ...(code === null ? {} : { exitCode: code }), ...(signal ? { signal } : {}), failed: code !== 0 }))
  })
  if (stdin === 'pipe') child.stdin!.on('error', () => {})
  return Object.assign(child, {
    then: ended.then.bind(ended),
    catch: ended.catch.bind(ended),
    finally: ended.finally.bind(ended),
    [Symbol.toStringTag]: 'Detached',
  }) as Detached
}

/** End a shell started so: EOF on its stdin, then its whole process group killed if it has not left within `graceMs`. */
export async function endOnEof(proc: Detached, graceMs: number): Promise<void> {
  proc.stdin!.end()
  const ended = proc.then(
    () => true,
    () => true,
  )
  if (!(await within(ended, graceMs, false)) && proc.pid) {
    try {
      process.kill(-proc.pid, 'SIGKILL')
    } catch {}
  }
  await ended
}

/**
 * Run `cmd` with the user's terminal (stdin, stdout, stderr inherited): its exit status. `signal`
 * ends it with `killSignal` (an interactive shell ignores SIGTERM but not SIGHUP).
 */
export async function runAtTerminal(cmd: Command, signal?: AbortSignal, killSignal: NodeJS.Signals = 'SIGTERM'): Promise<number> {
  const { execa } = await loadExeca()
  const r = await execa(cmd.file, cmd.args, {
    cwd: cmd.cwd,
    env: cmd.env ?? {},
    extendEnv: !cmd.cleanEnv,
    stdio: 'inherit',
    reject: false,
    killSignal,
    ...(signal ? { cancelSignal: signal } : {}),
  })
  return r.exitCode ?? 128 + 2
}
