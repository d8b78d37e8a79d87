// Where docrun keeps things inside a workspace.
import { createHash } from 'node:crypto'
import { basename, join, resolve } from 'node:path'

export interface Paths {
  workspace: string
  dir: string
  lock: string
  state: string
  snapshots: string
  runs: string
  latest: string
}

/** State is per runbook (several runbooks may share a workspace); the lock is per workspace. */
export function workspacePaths(workspace: string, runbookPath: string): Paths {
  const ws = resolve(workspace)
  const dir = join(ws, '.docrun')
  const abs = resolve(runbookPath)
  const key = `${basename(abs).replace(/[^\p{L}\p{N}_.-]/gu, '_')}-${createHash('sha256').update(abs).digest('hex').slice(0, 8)}`
  return {
    workspace: ws,
    dir,
    lock: join(dir, 'lock'),
    state: join(dir, 'state', `${key}.json`),
    snapshots: join(dir, 'state', `${key}.snapshots`),
    runs: join(dir, 'runs'),
    latest: join(dir, 'runs', 'latest'),
  }
}

/** A file name for a block id (ids may hold any letter, CJK included). */
export function safeName(id: string): string {
  const s = id.replace(/[^\p{L}\p{N}_.-]/gu, '_')
  return s.length > 100 ? `${s.slice(0, 80)}-${createHash('sha256').update(id).digest('hex').slice(0, 12)}` : s
}
