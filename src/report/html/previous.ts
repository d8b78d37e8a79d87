// Each block's duration in an earlier run of the same runbook (the same sha256), for the page
// to say faster or slower: the most recent earlier run in which the block passed.
import { readdir } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import type { BlockStatus } from '../../events/events.js'
import { readEventLog, readRunStart } from '../../events/read.js'
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

async function runDirsBeside(view: RunView): Promise<string[]> {
  const parents = new Set([view.runDir ? dirname(resolve(view.runDir)) : '', view.workspace ? docrunPaths(view.workspace).runs : ''].filter(Boolean))
  const dirs: string[] = []
  for (const parent of parents) {
    const entries = await readdir(parent, { withFileTypes: true }).catch(() => [])
    for (const e of entries) if (e.isDirectory() && e.name !== basename(view.runDir)) dirs.push(join(parent, e.name))
  }
  return [...new Set(dirs)]
}

/** Earlier runs of the same runbook, the most recent first. */
async function earlierRuns(view: RunView): Promise<{ dir: string; runId: string }[]> {
  const sha = view.runbook?.sha256
  if (!sha) return []
  const found: { dir: string; runId: string; startMs: number }[] = []
  for (const dir of await runDirsBeside(view)) {
    const start = await readRunStart(dir).catch(() => undefined)
    if (!start || start.plan.runbook.sha256 !== sha || start.runId === view.runId) continue
    const startMs = Date.parse(start.time)
    if (startMs < view.startMs) found.push({ dir, runId: start.runId, startMs })
  }
  return found.sort((a, b) => b.startMs - a.startMs).slice(0, MAX_RUNS)
}

export async function loadBaseline(view: RunView): Promise<Baseline> {
  const baseline: Baseline = new Map()
  const wanted = new Set(view.blocks.map((b) => b.id))
  for (const run of await earlierRuns(view)) {
    const log = await readEventLog(run.dir).catch(() => undefined)
    for (const e of log?.events ?? []) {
      if (e.type !== 'block-end' || e.result.status !== 'passed' || !wanted.has(e.step)) continue
      // Later events of the same run win (a block that ran twice: its last time).
      baseline.set(e.step, { durationMs: e.result.durationMs, status: e.result.status, runId: run.runId })
    }
    for (const id of baseline.keys()) wanted.delete(id)
    if (!wanted.size) break
  }
  return baseline
}
