// The state of a runbook in a workspace: which blocks are done, and each target's shell
// state after the last good block (for --resume). Written atomically after every block.
import { readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import type { BlockStatus } from '../events/events.js'
import type { Paths } from './paths.js'
import { safeName } from './paths.js'
import { writeAtomic } from './atomic.js'
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
  let text: string
  try {
    text = await readFile(paths.state, 'utf8')
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
  await rename(paths.state, backup)
  return { state: emptyState(runbookPath, sha), recovered: { backup, reason } }
}

export async function saveState(paths: Paths, state: State): Promise<void> {
  state.updatedAt = new Date().toISOString()
  await writeAtomic(paths.state, `${JSON.stringify(state, null, 2)}\n`)
}

export function snapshotPath(paths: Paths, blockId: string): string {
  return join(paths.snapshots, `${safeName(blockId)}.env`)
}

export async function saveSnapshot(paths: Paths, blockId: string, dump: string): Promise<void> {
  await writeAtomic(snapshotPath(paths, blockId), dump)
}

/** A passed block's per-directory input digests, beside its snapshot. */
export function inputsPath(paths: Paths, blockId: string): string {
  return join(paths.snapshots, `${safeName(blockId)}.inputs.json`)
}

export async function saveInputDirs(paths: Paths, blockId: string, dirs: Record<string, string>): Promise<void> {
  await writeAtomic(inputsPath(paths, blockId), `${JSON.stringify(dirs)}\n`)
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
