// Where docrun keeps things inside a workspace: every `.docrun/` path is made here.
import { createHash } from 'node:crypto'
import { basename, join, resolve } from 'node:path'

/** What belongs to the workspace as a whole (one docrun at a time: the lock is here). */
export interface WorkspacePaths {
  workspace: string
  dir: string
  lock: string
  runs: string
  /** The link to the latest run's directory (relative: the run id). */
  latest: string
  /** Documents run as they are (`docrun run DOC.rst`) are imported here. */
  imports: string
}

/** The workspace's paths and one runbook's state (several runbooks may share a workspace). */
export interface Paths extends WorkspacePaths {
  state: string
  /** The changes since the state was last written whole (state/state.ts). */
  journal: string
  snapshots: string
}

export function docrunPaths(workspace: string): WorkspacePaths {
  const ws = resolve(workspace)
  const dir = join(ws, '.docrun')
  return { workspace: ws, dir, lock: join(dir, 'lock'), runs: join(dir, 'runs'), latest: join(dir, 'runs', 'latest'), imports: join(dir, 'imports') }
}

/** State is per runbook (several runbooks may share a workspace); the lock is per workspace. */
export function workspacePaths(workspace: string, runbookPath: string): Paths {
  const base = docrunPaths(workspace)
  const abs = resolve(runbookPath)
  const key = `${basename(abs).replace(/[^\p{L}\p{N}_.-]/gu, '_')}-${createHash('sha256').update(abs).digest('hex').slice(0, 8)}`
  const dir = join(base.dir, 'state')
  return { ...base, state: join(dir, `${key}.json`), journal: join(dir, `${key}.journal`), snapshots: join(dir, `${key}.snapshots`) }
}

/** A run's directory from its id. */
export function runDirOf(paths: Pick<WorkspacePaths, 'runs'>, runId: string): string {
  return join(paths.runs, runId)
}

/** A block's output file in its run's directory. */
export function outputFileOf(runDir: string, blockId: string): string {
  return join(runDir, 'output', `${safeName(blockId)}.log`)
}

/** A file name for a block id (ids may hold any letter, CJK included). */
export function safeName(id: string): string {
  const s = id.replace(/[^\p{L}\p{N}_.-]/gu, '_')
  return s.length > 100 ? `${s.slice(0, 80)}-${createHash('sha256').update(id).digest('hex').slice(0, 12)}` : s
}
