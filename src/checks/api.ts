// What a runbook's checks module (`checks/<runbook>.ts`) sees: `after(key, fn)` registers a
// postcondition for a block (by name) or a section (by number, title or slug: it runs after
// the section's last block), written with Jest's `expect`.
import type { TestReport } from '../events/events.js'

export interface ExecResult {
  exitCode: number
  output: string
}

/** A target (host, chroot, guest) as a check sees it: commands run in a subshell, no state changes. */
export interface TargetHandle {
  readonly name: string
  exec(script: string, opts?: { timeoutMs?: number }): Promise<ExecResult>
  /** Path of a command on PATH, or undefined. */
  which(command: string): Promise<string | undefined>
  exists(path: string): Promise<boolean>
  /** Size in bytes, or undefined when the file is missing. */
  size(path: string): Promise<number | undefined>
  /** The ELF machine of a file (`S390`, `X86_64`, `AARCH64`, `BPF`, …), or undefined if it is no ELF. */
  elfMachine(path: string): Promise<string | undefined>
  /** The file system type in an image or on a device (`ext4`), as blkid reads it. */
  fsType(path: string): Promise<string | undefined>
  /** Is something mounted exactly at `path`? */
  mounted(path: string): Promise<boolean>
}

export interface CheckContext {
  /** The run's params, by name. */
  params: Record<string, string>
  /** The block the check follows: its exit status and captured output. */
  block: { id: string; section?: string; exitCode: number | null; output: string }
  host: TargetHandle
  /** The chroot by front-matter name (or the only one). */
  chroot(name?: string): TargetHandle
  /** The guest by name (or the only one); it must be running. */
  guest(name?: string): TargetHandle
  target(name: string): TargetHandle
  /** The test report in the block's output (TAP, test_verifier's or test_progs' Summary). */
  report(): TestReport | undefined
  parseTap(text: string): TestReport | undefined
  parseTestVerifier(text: string): TestReport | undefined
  parseTestProgs(text: string): TestReport | undefined
}

export type CheckFn = (t: CheckContext) => void | Promise<void>

export interface RegisteredCheck {
  key: string
  name: string
  fn: CheckFn
}

// One registry per process, on globalThis: the checks module may load its own copy of this
// file (through tsx), and both must fill the same list.
const REGISTRY = Symbol.for('docrun.checks.registry')
type Holder = { [REGISTRY]?: RegisteredCheck[] }

export function registry(): RegisteredCheck[] {
  const g = globalThis as Holder
  return (g[REGISTRY] ??= [])
}

/** Register a postcondition for a block name or a section. */
export function after(key: string, fn: CheckFn): void
export function after(key: string, name: string, fn: CheckFn): void
export function after(key: string, a: CheckFn | string, b?: CheckFn): void {
  const fn = typeof a === 'function' ? a : b!
  const name = typeof a === 'string' ? a : `after ${key}`
  registry().push({ key, name, fn })
}
