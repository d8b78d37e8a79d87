// Runs one block's action on its target: at the terminal, a guest boot, a {file=} write or a script.
import { randomBytes } from 'node:crypto'
import { createWriteStream } from 'node:fs'
import { basename } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Step } from '../plan/types.js'
import { formatDuration } from '../common/durations.js'
import { printfFormat } from '../shell/encode.js'
import { interpreterScript } from '../shell/script.js'
import type { ShellRunResult, ShellSession } from '../shell/session.js'
import { GuestError, type TargetPool } from './pool.js'
import type { Masker } from '../common/mask.js'
import { copyBetween } from '../targets/copy.js'

export interface ActionResult {
  res: ShellRunResult
  /** The session the block ran in (for checks, capture and the snapshot); none at the terminal. */
  session?: ShellSession
  /** The guest console's last lines when the guest failed under the block. */
  consoleTail?: string[]
}

/** A background block that ends within this long decides its block by its exit status. */
const BACKGROUND_GRACE_MS = 1000

export interface ActionOptions {
  signal: AbortSignal
  /** Where a background block's output goes once its block is over. */
  backgroundLog: string
  /** Where a {tty} block's terminal stream goes as it came (CR, escape sequences); its output is the cleaned text. */
  ttyLog?: string
  secrets?: Masker
}

export async function runAction(
  step: Step,
  pool: TargetPool,
  onOutput: (chunk: Buffer) => void,
  { signal, backgroundLog, ttyLog, secrets }: ActionOptions,
): Promise<ActionResult> {
  let session: ShellSession | undefined
  try {
    if (step.background) {
      // It starts from its target's shell state, like a guest's QEMU; the session stays as it was.
      session = await pool.get(step.target)
      const p = await pool.background(step, onOutput)
      // A command that fails at once (a typo, a port in use) fails its block.
      const early = await graceRace(p.exited, BACKGROUND_GRACE_MS)
      if (early !== 'running') return { res: { status: early ?? 128 + 15, timedOut: false, interrupted: signal.aborted }, session }
      p.redirect(backgroundLog, secrets)
      onOutput(Buffer.from(`(running in the background as pid ${p.pid} until the run ends; its later output: ${basename(backgroundLog)})\n`))
      return { res: { status: 0, timedOut: false, interrupted: false }, session }
    }
    if (step.interactive) {
      // The user's terminal, not the protocol: nothing to capture, the exit status decides.
      onOutput(
        Buffer.from(`(ran at the terminal ${step.target.kind === 'chroot' ? `in chroot ${step.target.root}` : 'on the host'}; its output is not recorded)\n`),
      )
      const status = await pool.runAtTerminal(step, signal)
      return { res: { status, timedOut: false, interrupted: signal.aborted } }
    }
    if (step.action === 'boot') {
      session = await pool.boot(step, { onOutput, signal, ...(step.timeoutMs ? { timeoutMs: step.timeoutMs } : {}) })
      return { res: { status: 0, timedOut: false, interrupted: false }, session }
    }
    if (step.action === 'copy') return await copyStep(step, pool, onOutput, signal)
    session = await pool.get(step.target)
    if (step.action === 'file') {
      const content = Buffer.from(step.content.endsWith('\n') ? step.content : `${step.content}\n`, 'utf8')
      const res = await session.writeFile(step.file!.path, content, step.file!.append)
      if (res.status === 0) onOutput(Buffer.from(`${step.file!.append ? 'appended to' : 'wrote'} ${step.file!.path} (${content.length} bytes)\n`))
      else onOutput(Buffer.from((res as { output?: string }).output ?? ''))
      return { res, session }
    }
    const since = step.wait ? pool.console(step.target.name)?.mark : undefined
    const cwd = step.cwd ? cwdWrap(step.cwd) : undefined
    if (cwd) await session.sync([cwd.save])
    const script = step.interpreter ? interpreterScript(step.interpreter, step.content, randomBytes(8).toString('hex')) : step.content
    const raw = step.tty && ttyLog ? rawLog(ttyLog, secrets) : undefined
    const res = await session
      .run(cwd ? `${cwd.enter}\n${script}` : script, {
        errexit: step.errexit,
        ...(step.timeoutMs ? { timeoutMs: step.timeoutMs } : {}),
        ...(step.tty ? { tty: step.tty } : {}),
        ...(raw ? { onRaw: raw.write } : {}),
        onOutput,
        signal,
      })
      .finally(() => raw?.close())
    if (cwd && !session.isClosed) {
      await session.sync([cwd.leave])
      // The block's own dump holds the directory it ran in: snapshot the shell as it is now.
      await session.refreshState()
    }
    if (step.wait && res.status === 0 && !res.timedOut) return { res: await waitOnConsole(step, pool, since ?? 0, onOutput, signal), session }
    return { res, session }
  } catch (error) {
    const res: ShellRunResult = { status: -1, timedOut: false, interrupted: signal.aborted, error: (error as Error).message }
    const consoleTail = error instanceof GuestError ? error.consoleTail : undefined
    return { res, ...(session ? { session } : {}), ...(consoleTail ? { consoleTail } : {}) }
  }
}

/** `{copy}`, `{put}`, `{get}`: both ends opened (a remote one connects), then the copy, within the block's timeout. */
async function copyStep(step: Step, pool: TargetPool, onOutput: (chunk: Buffer) => void, signal: AbortSignal): Promise<ActionResult> {
  const { from, to, items } = step.copy!
  const [a, b] = [await pool.end(from), await pool.end(to)]
  const timer = step.timeoutMs ? AbortSignal.timeout(step.timeoutMs) : undefined
  const res = await copyBetween(a, b, items, onOutput, timer ? AbortSignal.any([signal, timer]) : signal)
  if (timer?.aborted && !signal.aborted) return { res: { ...res, interrupted: false, timedOut: true, status: 124 }, session: b.session }
  return { res, session: b.session }
}

/** `{wait=REGEX}`: after the content, the guest's console must print a matching line within the block's timeout. */
async function waitOnConsole(step: Step, pool: TargetPool, since: number, onOutput: (c: Buffer) => void, signal: AbortSignal): Promise<ShellRunResult> {
  const watch = pool.console(step.target.name)
  if (!watch)
    return { status: -1, timedOut: false, interrupted: false, error: `wait= watches a guest's console; ${step.target.name} is not a guest this run booted` }
  const limit = AbortSignal.any([signal, AbortSignal.timeout(step.timeoutMs ?? 5 * 60_000)])
  const line = await watch.waitFor(new RegExp(step.wait!, 'u'), since, limit)
  if (line !== undefined) {
    onOutput(Buffer.from(`(the console of ${step.target.name} printed: ${line.trim()})\n`))
    return { status: 0, timedOut: false, interrupted: false }
  }
  if (signal.aborted) return { status: -1, timedOut: false, interrupted: true, error: 'interrupted while waiting on the console' }
  return {
    status: -1,
    timedOut: false,
    interrupted: false,
    error: `no line matching /${step.wait}/ on ${step.target.name}'s console within ${formatDuration(step.timeoutMs ?? 5 * 60_000)}`,
  }
}

/** The exit status if `exited` settles within `ms`, else 'running'; the timer is cleared either way. */
async function graceRace(exited: Promise<number | null>, ms: number): Promise<number | null | 'running'> {
  const timer = new AbortController()
  try {
    return await Promise.race([exited, sleep(ms, 'running' as const, { signal: timer.signal })])
  } finally {
    timer.abort()
  }
}

/** A side file for a {tty} block's raw terminal stream, secrets masked as in every record. */
function rawLog(file: string, secrets?: Masker): { write: (c: Buffer) => void; close: () => Promise<void> } {
  const out = createWriteStream(file, { mode: 0o600 })
  const masker = secrets?.active ? secrets.stream() : undefined
  return {
    write: (c) => void out.write(masker ? masker.push(c) : c),
    close: () => new Promise<void>((resolve) => out.end(masker?.end() ?? Buffer.alloc(0), () => resolve())),
  }
}

/** `cwd=` runs the block elsewhere and returns the shell to where it was. */
function cwdWrap(dir: string): { save: string; enter: string; leave: string } {
  return { save: '__dr_pc=$PWD', enter: `cd -- "$(printf '${printfFormat(Buffer.from(dir, 'utf8'))}')"`, leave: 'cd -- "$__dr_pc"' }
}
