// One docrun per workspace. The lock file names its holder (pid and start time), so a lock
// left by a killed docrun is recognised as stale and said to be so, not waited on.
// (proper-lockfile decides staleness by mtime alone and cannot say who held it.)
//
// Every lock file is written whole under a temporary name and then linked into place, so it is
// never seen half-written, and `link` fails when the name exists (O_EXCL). Taking over a stale
// lock is the delicate part: "read, it is stale, unlink, create" lets two docruns that started
// at once both win (the second unlinks the first one's fresh lock). So a stale lock is replaced
// only by the one docrun that created its takeover marker — a file named after that stale
// lock's exact content — and only if the lock still has that content; `rename` then swaps it
// in one step. A marker left by a docrun that died in between is passed over (the next index).
import { linkSync, readFileSync, renameSync, unlinkSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs'
import { createHash, randomBytes } from 'node:crypto'
import { basename, dirname, join } from 'node:path'
import { isRunning, processStartTime } from '../sys/proc.js'
import { DocrunError } from '../common/errors.js'
import { EXIT } from '../common/exit-codes.js'

export interface LockHolder {
  pid: number
  startTime: string
  command: string
  since: string
}

export class LockedError extends DocrunError {
  constructor(
    readonly holder: LockHolder,
    path: string,
  ) {
    super(
      `Another docrun (pid ${holder.pid}, started ${holder.since}: ${holder.command}) is using this workspace (${path}). Wait for it, or stop it with \`docrun stop\`.`,
      EXIT.locked,
    )
  }
}

/** The holder still runs (a zombie holds nothing: it has ended). */
export function isAlive(holder: Pick<LockHolder, 'pid' | 'startTime'>): boolean {
  return isRunning(holder.pid, holder.startTime)
}

export interface Lock {
  release(): void
  /** Set when the lock was taken over from a dead docrun. */
  stale?: LockHolder
}

const NOBODY: LockHolder = { pid: 0, startTime: '', command: '?', since: '?' }

function parseHolder(text: string): LockHolder {
  try {
    const h = JSON.parse(text) as Partial<LockHolder>
    return typeof h.pid === 'number' ? { ...NOBODY, ...h } : NOBODY
  } catch {
    // Half-written by an older docrun killed while taking it: nobody holds it.
    return NOBODY
  }
}

function readText(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
}

/** Who holds the workspace lock now, and whether that docrun still runs; undefined when nobody does. */
export function readLock(path: string): (LockHolder & { alive: boolean }) | undefined {
  const text = readText(path)
  if (text === undefined) return undefined
  const holder = parseHolder(text)
  return { ...holder, alive: holder.pid > 0 && isAlive(holder) }
}

const isExists = (error: unknown) => (error as NodeJS.ErrnoException).code === 'EEXIST'

function tryLink(from: string, to: string): boolean {
  try {
    linkSync(from, to)
    return true
  } catch (error) {
    if (isExists(error)) return false
    throw error
  }
}

const pause = (ms: number) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms)

/**
 * Replace the stale lock whose content is `staleText` with ours (at `tmp`): 'won', 'changed'
 * (the lock is no longer that stale one: look again) or 'busy' (a live docrun is taking it over).
 */
function takeOver(path: string, tmp: string, staleText: string): 'won' | 'changed' | 'busy' {
  const prefix = `${path}.takeover-${createHash('sha256').update(staleText).digest('hex').slice(0, 16)}-`
  for (let k = 0; ; k++) {
    const marker = `${prefix}${k}`
    if (!tryLink(tmp, marker)) {
      const owner = parseHolder(readText(marker) ?? '')
      if (owner.pid && isAlive(owner)) return 'busy'
      continue // its docrun died between marking and replacing: the next index
    }
    // Ours. Nobody else replaces this stale lock now; a live holder never becomes this content again.
    if (readText(path) !== staleText) {
      unlinkSync(marker)
      return 'changed'
    }
    renameSync(tmp, path)
    for (const name of readdirSync(dirname(path))) if (join(dirname(path), name).startsWith(prefix)) unlinkQuiet(join(dirname(path), name))
    return 'won'
  }
}

function unlinkQuiet(path: string): void {
  try {
    unlinkSync(path)
  } catch {}
}

export function acquireLock(path: string): Lock {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const me = { pid: process.pid, startTime: processStartTime(process.pid), command: process.argv.slice(2).join(' '), since: new Date().toISOString() }
  // The nonce makes every lock's content unique: a takeover marker names one lock, never a later one.
  const mine = JSON.stringify({ ...me, nonce: randomBytes(8).toString('hex') })
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`)
  writeFileSync(tmp, mine, { mode: 0o600 })
  try {
    for (let attempt = 0; attempt < 500; attempt++) {
      if (tryLink(tmp, path)) return heldLock(path, mine)
      const text = readText(path)
      if (text === undefined) continue // released meanwhile
      const holder = parseHolder(text)
      if (holder.pid && isAlive(holder)) throw new LockedError(holder, path)
      const res = takeOver(path, tmp, text)
      if (res === 'won') return heldLock(path, mine, holder)
      if (res === 'busy') pause(10)
    }
  } finally {
    unlinkQuiet(tmp)
  }
  throw new Error(`could not take the lock ${path}`)
}

function heldLock(path: string, mine: string, stale?: LockHolder): Lock {
  let released = false
  return {
    release() {
      if (released) return
      released = true
      // Only our own lock: a docrun that took over after us (we were thought dead) keeps its own.
      if (readText(path) === mine) unlinkQuiet(path)
    },
    ...(stale ? { stale } : {}),
  }
}
