// Each block's duration in an earlier run of the same runbook (the same sha256), for the page
// to say faster or slower: the most recent earlier run in which the block passed.
import { readdir } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import type { BlockStatus } from '../../events/events.js'
import { readEventsOfType, readRunIdentity } from '../../events/read.js'
import type { RunView } from './model.js'
import { docrunPaths } from '../../state/paths.js'

export interface PreviousBlock {
  durationMs: number
  status: BlockStatus
  runId: string
}

export type Baseline = Map<string, PreviousBlock>

/** How many earlier runs of the runbook are read at most (a resumed run has few blocks each). */
const MAX_RUNS = 10
/**
 * How many of the newest run directories are looked at for them: a workspace's runs pile up
 * over a daily loop, and each look parses a run-start line that holds the whole plan.
 */
const MAX_DIRS = 30

async function runDirsBeside(view: RunView): Promise<string[]> {
  const parents = new Set([view.runDir ? dirname(resolve(view.runDir)) : '', view.workspace ? docrunPaths(view.workspace).runs : ''].filter(Boolean))
  const dirs: string[] = []
  for (const parent of parents) {
    const entries = await readdir(parent, { withFileTypes: true }).catch(() => [])
    for (const e of entries) if (e.isDirectory() && e.name !== basename(view.runDir)) dirs.push(join(parent, e.name))
  }
  return [...new Set(dirs)]
}

/** Run ids begin with the time they started (20261202-014304-5be7): by name, newest first. */
const newestFirst = (dirs: string[]) => [...dirs].sort((a, b) => basename(b).localeCompare(basename(a)))

/** Earlier runs of the same runbook, the most recent first. */
async function earlierRuns(view: RunView): Promise<{ dir: string; runId: string }[]> {
  const sha = view.runbook?.sha256
  if (!sha) return []
  const found: { dir: string; runId: string; startMs: number }[] = []
  for (const dir of newestFirst(await runDirsBeside(view)).slice(0, MAX_DIRS)) {
    const start = await readRunIdentity(dir).catch(() => undefined)
    if (!start || start.sha256 !== sha || start.runId === view.runId) continue
    const startMs = Date.parse(start.time)
    if (startMs < view.startMs) found.push({ dir, runId: start.runId, startMs })
  }
  return found.sort((a, b) => b.startMs - a.startMs).slice(0, MAX_RUNS)
}

/**
 * The baseline of the blocks that `ran` names (default: every block of the view; a live page
 * wants them all before they run). A page written at a run's end asks only for the blocks that
 * ran: a resumed run skips most, and their durations would be compared with nothing.
 */
export async function loadBaseline(view: RunView, ran?: (b: RunView['blocks'][number]) => boolean): Promise<Baseline> {
  const baseline: Baseline = new Map()
  const wanted = new Set(view.blocks.filter((b) => ran?.(b) ?? true).map((b) => b.id))
  if (!wanted.size) return baseline
  for (const run of await earlierRuns(view)) {
    const ends = await readEventsOfType(run.dir, 'block-end').catch(() => [])
    for (const e of ends) {
      if (e.result.status !== 'passed' || !wanted.has(e.step)) continue
      // Later events of the same run win (a block that ran twice: its last time).
      baseline.set(e.step, { durationMs: e.result.durationMs, status: e.result.status, runId: run.runId })
    }
    for (const id of baseline.keys()) wanted.delete(id)
    if (!wanted.size) break
  }
  return baseline
}
