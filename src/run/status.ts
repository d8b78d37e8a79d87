// Where a runbook stands in a workspace, block by block (done, failed, stale, not run), and the
// run going on now if a live docrun holds the workspace: what `docrun status` shows.
import { readlink } from 'node:fs/promises'
import { resolve } from 'node:path'
import type { Plan } from '../plan/types.js'
import { readRunStart, streamEvents } from '../events/read.js'
import { readLock, type LockHolder } from '../state/lock.js'
import { runDirOf, type WorkspacePaths } from '../state/paths.js'
import type { State } from '../state/state.js'
import { doneAndChanged, inputsWords } from './resume.js'
import type { InputDirs, InputsNow } from './resume.js'
import { recordedAs } from '../plan/hash.js'

/** `passed` only for a block whose state says so though an earlier block is not done. */
export type BlockStanding = 'done' | 'passed' | 'failed' | 'timed-out' | 'interrupted' | 'stale' | 'not run' | 'skipped' | 'running'

export interface BlockRow {
  id: string
  section: string
  status: BlockStanding
  exitCode: number | null
  durationMs?: number
  finishedAt?: string
  message?: string
  /** While it runs: how long it has run so far. */
  elapsedMs?: number
}

/** The run going on now: who runs it (the lock's live holder), and the block it is in. */
export interface LiveRun {
  holder: LockHolder
  runId?: string
  /** The runbook it runs is the one asked about (a workspace may hold several). */
  sameRunbook: boolean
  runbookPath?: string
  block?: { id: string; since: string }
}

/** Each block's standing; the block a live run of this runbook is in is `running`. */
export function blockRows(plan: Plan, state: State, inputs: { now: InputsNow; thenDirs?: InputDirs }, live?: LiveRun, at = Date.now()): BlockRow[] {
  const { done, inputsChanged } = doneAndChanged(plan, state, inputs.now, inputs.thenDirs)
  const running = live?.sameRunbook ? live.block : undefined
  let stale = false
  return plan.steps
    .filter((s) => s.action !== 'none')
    .map((s) => {
      const b = state.blocks[s.id]
      let status: BlockStanding
      if (running?.id === s.id) status = 'running'
      else if (s.skip) status = 'skipped'
      else if (!b) status = 'not run'
      else if (done.has(s.id)) status = 'done'
      else if (!recordedAs(s, b.hash) || stale || inputsChanged?.step === s) status = 'stale'
      else status = b.status
      if (b && !done.has(s.id)) stale = true
      const message = inputsChanged?.step === s ? inputsWords(inputsChanged).replace(/^block \S+ runs again: /, '') : b?.message
      const row: BlockRow = {
        id: s.id,
        section: s.section?.label ?? '',
        status,
        exitCode: b?.exitCode ?? null,
        durationMs: b?.durationMs,
        finishedAt: b?.finishedAt,
        message,
      }
      if (status === 'running') row.elapsedMs = Math.max(0, at - Date.parse(running!.since))
      return row
    })
}

/**
 * The live run in a workspace, if a docrun that still runs holds its lock (a dead holder's lock
 * is no run). Its run is the latest run when that run's docrun is the holder.
 */
export async function liveRun(paths: WorkspacePaths, runbook: { path: string; sha256: string }): Promise<LiveRun | undefined> {
  const holder = readLock(paths.lock)
  if (!holder?.alive) return undefined
  const latest = await readlink(paths.latest).catch(() => undefined)
  const runDir = latest === undefined ? undefined : runDirOf(paths, latest)
  const start = runDir ? await readRunStart(runDir) : undefined
  if (!runDir || !start || start.pid !== holder.pid) return { holder, sameRunbook: false }
  const planned = start.plan.runbook
  const sameRunbook = planned.sha256 === runbook.sha256 || resolve(start.workspace, planned.path) === resolve(runbook.path)
  const live: LiveRun = { holder, runId: start.runId, sameRunbook, runbookPath: planned.path }
  const open = new Map<string, string>()
  for await (const e of streamEvents(runDir)) {
    if (e.type === 'block-start') open.set(e.step, e.time)
    else if (e.type === 'block-end' || e.type === 'block-skip') open.delete(e.step)
  }
  const last = [...open].pop()
  if (last) live.block = { id: last[0], since: last[1] }
  return live
}
