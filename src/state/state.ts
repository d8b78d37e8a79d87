// The state of a runbook in a workspace: which blocks are done, and each target's shell
// state after the last good block (for --resume).
//
// On disk it is two files: the state written whole (atomically, fsync'd) now and then, and a
// journal beside it — one JSON line per change since (a block starting, a block's result) —
// so a block costs one appended line, not a rewrite of a state that grows with the runbook.
// Reading is the whole file with the journal's lines applied in order. The journal's first
// line names the generation of the whole file it continues: a journal left from before the
// last whole write is stale (already folded in) and ignored; a torn last line (a power loss
// mid-write) is not a change and is ignored too.
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import type { BlockStatus } from '../events/events.js'
import type { Paths } from './paths.js'
import { safeName } from './paths.js'
import { writeAtomicSync } from './atomic.js'
import type { PendingProbe, Resource } from '../resources/ledger.js'

export const STATE_FORMAT = 'docrun-state'
export const STATE_VERSION = 1

export interface BlockState {
  hash: string
  status: BlockStatus
  exitCode: number | null
  durationMs: number
  finishedAt: string
  runId: string
  target: string
  /** Set when the block left a shell snapshot (variables, cwd) in the snapshots folder. */
  snapshot?: boolean
  capture?: { name: string; value: string }
  message?: string
  /**
   * `inputs=`: their fingerprint's digest when the block passed. The digest per directory (a
   * kernel tree: ~5,000 directories, ~300 KB) is in a side file (`inputsPath`), so the state,
   * written after every change, stays small.
   */
  inputs?: { digest: string }
}

export interface GuestLife {
  pid: number
  runId: string
  startedAt: string
  readyAfterMs?: number
  stoppedAt?: string
  /** How it ended: the shutdown steps, or why it died. */
  end?: string
}

export interface State {
  format: typeof STATE_FORMAT
  version: number
  runbook: { path: string; sha256: string }
  updatedAt: string
  lastRun?: string
  blocks: Record<string, BlockState>
  /** Mounts and loop devices the runs created and have not torn down (kept, or left by a crash). */
  resources: Resource[]
  /** Set while a block runs: what the system looked like before it (crash recovery). */
  pending?: PendingProbe
  /** Each guest's last lifetime: when its QEMU started, when its shell answered, how it ended. */
  guests?: Record<string, GuestLife>
  /** The generation of this whole write: the journal that continues it says the same number. */
  journal?: number
}

/** One line of the journal: what changed (`pending: null`: the pending probe went). */
export interface JournalEntry {
  updatedAt: string
  pending?: PendingProbe | null
  blocks?: Record<string, BlockState>
  lastRun?: string
  /** The whole ledger as it is now (it is a handful of entries). */
  resources?: Resource[]
  /** A guest's lifetime, as it is now. */
  guests?: Record<string, GuestLife>
}

export function emptyState(runbookPath: string, sha: string): State {
  return {
    format: STATE_FORMAT,
    version: STATE_VERSION,
    runbook: { path: runbookPath, sha256: sha },
    updatedAt: new Date().toISOString(),
    blocks: {},
    resources: [],
  }
}

export interface LoadedState {
  state: State
  /** Set when an unreadable state was moved aside: where it went and why. */
  recovered?: { backup: string; reason: string }
}

/** Read the state; unreadable state (corrupt, truncated, other version) is kept as a backup, never silently dropped. */
export async function loadState(paths: Paths, runbookPath: string, sha: string): Promise<LoadedState> {
  return loadStateSync(paths, runbookPath, sha)
}

/** loadState, synchronously (a state is read in a few milliseconds; a test reads it while a block runs). */
export function loadStateSync(paths: Paths, runbookPath: string, sha: string): LoadedState {
  // The journal is read after the whole file: if a whole write happened in between, the journal
  // is newer than the file read, and the file is read again.
  for (let attempt = 0; ; attempt++) {
    const loaded = loadWhole(paths, runbookPath, sha)
    if (loaded.recovered) return loaded
    const journal = readJournal(paths)
    const gen = loaded.state.journal ?? 0
    if (!journal || journal.gen < gen) return loaded
    if (journal.gen === gen || attempt >= 2) {
      for (const e of journal.entries) applyEntry(loaded.state, e)
      return loaded
    }
  }
}

function loadWhole(paths: Paths, runbookPath: string, sha: string): LoadedState {
  let text: string
  try {
    text = readFileSync(paths.state, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: emptyState(runbookPath, sha) }
    throw error
  }
  let reason: string | undefined
  try {
    const data = JSON.parse(text) as Partial<State>
    if (data.format !== STATE_FORMAT) reason = 'it is not a docrun state file'
    else if (data.version !== STATE_VERSION)
      reason = `it was written by another docrun version (state format ${String(data.version)}, this docrun reads ${STATE_VERSION})`
    else if (!data.blocks || typeof data.blocks !== 'object' || !data.runbook) reason = 'it is incomplete'
    else return { state: { ...(data as State), resources: data.resources ?? [] } }
  } catch (error) {
    reason = `it is not valid JSON (${(error as Error).message})`
  }
  const backup = `${paths.state}.bad-${new Date().toISOString().replace(/[:.]/g, '-')}`
  renameSync(paths.state, backup)
  // Its journal continued the file that could not be read: it goes with it.
  try {
    renameSync(paths.journal, `${backup}.journal`)
  } catch {}
  return { state: emptyState(runbookPath, sha), recovered: { backup, reason } }
}

function readJournal(paths: Paths): { gen: number; entries: JournalEntry[] } | undefined {
  let text: string
  try {
    text = readFileSync(paths.journal, 'utf8')
  } catch {
    return undefined
  }
  const entries: JournalEntry[] = []
  let gen: number | undefined
  for (const line of text.split('\n')) {
    let value: unknown
    try {
      value = JSON.parse(line)
    } catch {
      continue // a torn last line
    }
    if (gen === undefined) {
      const g = (value as { journal?: unknown } | null)?.journal
      if (typeof g !== 'number') return undefined
      gen = g
    } else if (value && typeof value === 'object') entries.push(value as JournalEntry)
  }
  return gen === undefined ? undefined : { gen, entries }
}

function applyEntry(state: State, e: JournalEntry): void {
  state.updatedAt = e.updatedAt
  if (e.pending === null) delete state.pending
  else if (e.pending) state.pending = e.pending
  if (e.blocks) Object.assign(state.blocks, e.blocks)
  if (e.lastRun) state.lastRun = e.lastRun
  if (e.resources) state.resources = e.resources
  if (e.guests) state.guests = { ...state.guests, ...e.guests }
}

/** The state written whole (atomically, fsync'd); the journal it folds in goes. */
export async function saveState(paths: Paths, state: State): Promise<void> {
  saveStateSync(paths, state)
}

export function saveStateSync(paths: Paths, state: State): void {
  state.updatedAt = new Date().toISOString()
  state.journal = (state.journal ?? 0) + 1
  writeAtomicSync(paths.state, `${JSON.stringify(state, null, 2)}\n`)
  rmSync(paths.journal, { force: true })
}

/**
 * One change appended to the journal, in one write (a kill -9 cannot tear it). Not flushed
 * here: a block's end hands the journal to the group commit (state/commit.ts); what a block
 * started with (its pending probe) needs no flush at all — a power loss ends the processes
 * and mounts it describes too.
 */
export function appendJournal(paths: Paths, state: State, entry: Omit<JournalEntry, 'updatedAt'>): void {
  const updatedAt = new Date().toISOString()
  state.updatedAt = updatedAt
  const line = `${JSON.stringify({ updatedAt, ...entry })}\n`
  let fd: number
  try {
    fd = openSync(paths.journal, 'a', 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    mkdirSync(dirname(paths.journal), { recursive: true, mode: 0o700 })
    fd = openSync(paths.journal, 'a', 0o600)
  }
  try {
    const head = fstatSync(fd).size === 0 ? `${JSON.stringify({ journal: state.journal ?? 0 })}\n` : ''
    writeSync(fd, head + line)
  } finally {
    closeSync(fd)
  }
}

export function snapshotPath(paths: Paths, blockId: string): string {
  return join(paths.snapshots, `${safeName(blockId)}.env`)
}

/** Atomic, not flushed here: the block's end hands it to the group commit with its journal line (run/record.ts). */
export async function saveSnapshot(paths: Paths, blockId: string, dump: string): Promise<void> {
  writeAtomicSync(snapshotPath(paths, blockId), dump, { fsync: false })
}

/** A passed block's per-directory input digests, beside its snapshot. */
export function inputsPath(paths: Paths, blockId: string): string {
  return join(paths.snapshots, `${safeName(blockId)}.inputs.json`)
}

export async function saveInputDirs(paths: Paths, blockId: string, dirs: Record<string, string>): Promise<void> {
  // Flushed by the block's group commit with its journal line (run/record.ts).
  writeAtomicSync(inputsPath(paths, blockId), `${JSON.stringify(dirs)}\n`, { fsync: false })
}

/** The per-directory digests recorded for a block, or undefined (none, or unreadable: the change is then not named). */
export async function readInputDirs(paths: Paths, blockId: string): Promise<Record<string, string> | undefined> {
  try {
    const dirs = JSON.parse(await readFile(inputsPath(paths, blockId), 'utf8')) as unknown
    return dirs && typeof dirs === 'object' && !Array.isArray(dirs) ? (dirs as Record<string, string>) : undefined
  } catch {
    return undefined
  }
}

export async function readSnapshot(paths: Paths, blockId: string): Promise<string | undefined> {
  try {
    return await readFile(snapshotPath(paths, blockId), 'utf8')
  } catch {
    return undefined
  }
}
