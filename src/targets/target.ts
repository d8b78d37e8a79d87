// A Target opens a ShellSession somewhere (host, chroot, guest) and tears it down.
import type { ShellSession } from '../shell/session.js'

export interface Target {
  readonly name: string
  readonly kind: 'host' | 'chroot' | 'guest'
  readonly description: string
  /** Start the shell. Notes are things the log should say (e.g. sudo pass-through). */
  open(): Promise<{ session: ShellSession; notes: string[] }>
  /** The temporary directory the target made for itself once open (for the resource ledger). */
  readonly tempDir?: string | undefined
  /** End the shell and free what the target made for itself (temp dirs). Idempotent. May say what it did. */
  close(): Promise<string | void>
}
