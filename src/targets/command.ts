// How docrun starts a process of its own (a shell, QEMU, a background block, an interactive
// block): one command shape, and execa for every start.
import { execa } from 'execa'
import { within } from '../shell/within.js'

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

/**
 * Start `cmd` in a process group of its own, its output piped to docrun as bytes: the terminal's
 * Ctrl-C reaches docrun (which stops things in order), and the ledger or a shutdown ends the whole group.
 */
export function startDetached(cmd: Command, stdin: 'pipe' | 'ignore') {
  const proc = execa(cmd.file, cmd.args, {
    cwd: cmd.cwd,
    env: cmd.env ?? {},
    extendEnv: !cmd.cleanEnv,
    stdin,
    stdout: 'pipe',
    stderr: 'pipe',
    buffer: false,
    encoding: 'buffer',
    reject: false,
    detached: true,
  })
  if (stdin === 'pipe') proc.stdin!.on('error', () => {})
  return proc
}

/** End a shell started so: EOF on its stdin, then its whole process group killed if it has not left within `graceMs`. */
export async function endOnEof(proc: ReturnType<typeof startDetached>, graceMs: number): Promise<void> {
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
