// A Target opens a ShellSession somewhere (host, chroot, guest) and tears it down.
import type { ShellSession } from '../shell/session.js'
import type { Command } from './command.js'
import type { RemoteSessionRecord } from '../sys/remote-session.js'

export interface Target {
  readonly name: string
  readonly kind: 'host' | 'chroot' | 'guest' | 'ssh'
  readonly description: string
  /** Start the shell. Notes are things the log should say (e.g. sudo pass-through). */
  open(): Promise<{ session: ShellSession; notes: string[] }>
  /** The temporary directory the target made for itself once open (for the resource ledger). */
  readonly tempDir?: string | undefined
  /** The process group the target started (its shell, QEMU) once started: for the resource ledger. */
  readonly process?: { pid: number; startTime: string } | undefined
  /** The shell session the target started on another machine (SSH) once open: for the resource ledger. */
  readonly remote?: RemoteSessionRecord | undefined
  /**
   * A process of its own that runs `script` in a new shell of this target, starting from the open
   * session's state (variables, functions, cwd): a guest's QEMU, a background or interactive block.
   * Host and chroot only: a guest has one console.
   */
  detached?(script: string, opts?: DetachedOptions): Promise<Command>
  /** End the shell and free what the target made for itself (temp dirs). Idempotent. May say what it did. */
  close(): Promise<string | void>
}

/** A guest: its start block booted it, and it can stop on its own (QEMU gone, a panic). */
export interface Guest extends Target {
  readonly kind: 'guest'
  /** True while QEMU runs and the shell answers. */
  readonly running: boolean
  /** How long the boot took until the shell prompt. */
  readonly readyAfterMs: number
  /** What the console said last: for a failure report. */
  consoleTail(n?: number): string[]
}

export interface DetachedOptions {
  /** An interactive shell (`--debug`): `script` is its startup file, then it reads the terminal. */
  interactive?: boolean
}

/**
 * The program and environment a detached command starts: `file` run by bash as the session's
 * (no startup files), else sh; interactive, bash reads `file` as its rc file and sh as `$ENV`.
 */
export function detachedArgs(
  session: ShellSession,
  bash: string,
  sh: string,
  file: string,
  opts: DetachedOptions = {},
): { argv: string[]; env?: Record<string, string> } {
  const isBash = !!session.info?.shell.startsWith('bash')
  if (!opts.interactive) return { argv: [...detachedShell(session, bash, sh), file] }
  return isBash ? { argv: [bash, '--noprofile', '--rcfile', file, '-i'] } : { argv: [sh, '-i'], env: { ENV: file } }
}

/** The shell a detached command runs `file` with: bash as the session's (no startup files), else sh. */
export function detachedShell(session: ShellSession, bash: string, sh: string): string[] {
  return session.info?.shell.startsWith('bash') ? [bash, '--noprofile', '--norc'] : [sh]
}
