// `--update-expect`: the {expect} blocks whose check saw other output get that output as their
// new body, written into the runbook when the run has ended.
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { buildPlan } from '../plan/plan.js'
import type { Plan } from '../plan/types.js'
import type { ExpectUpdate } from '../runbook/rewrite-expect.js'
import type { EventBus } from '../events/events.js'
import { writeAtomic } from '../state/atomic.js'
import type { Paths } from '../state/paths.js'
import { saveState, type State } from '../state/state.js'
import { recordedAs } from '../plan/hash.js'

export interface Say {
  out(text: string): void
  err(text: string): void
}

/** The {expect} blocks whose check produced a new body, with their spans, as the run goes. */
export function collectExpectUpdates(bus: EventBus, plan: Plan): ExpectUpdate[] {
  const updates: ExpectUpdate[] = []
  bus.subscribe((e) => {
    if (e.type !== 'block-end') return
    const step = plan.steps.find((s) => s.id === e.step)
    for (const c of e.result.checks ?? []) {
      const inline = c.updated !== undefined ? step?.checks?.find((x) => x.id === c.name) : undefined
      if (inline) updates.push({ position: inline.position, body: c.updated! })
    }
  })
  return updates
}

/**
 * Write the new {expect} bodies into the runbook (atomically), print the diff applied, and
 * carry the rewritten blocks' results over to their new hashes, so --resume does not run
 * them again just because their expectation was refreshed.
 */
export async function applyExpectUpdates(runbookPath: string, updates: ExpectUpdate[], paths: Paths, state: State, say: Say): Promise<void> {
  // The Markdown parser loads only for --update-expect (a run of an unchanged runbook takes its parse from the cache).
  const [{ rewriteExpects }, { parseRunbook }, { VFile }] = await Promise.all([
    import('../runbook/rewrite-expect.js'),
    import('../runbook/parse.js'),
    import('vfile'),
  ])
  const before = await readFile(runbookPath, 'utf8')
  const after = rewriteExpects(before, updates)
  if (after === before) return
  await writeAtomic(runbookPath, after)
  // diff loads only for --update-expect.
  const { createPatch } = await import('diff')
  say.out(createPatch(runbookPath, before, after, 'expected', 'actual'))
  say.err(`docrun: --update-expect rewrote ${updates.length} {expect} block(s) in ${runbookPath}\n`)
  const oldPlan = buildPlan(parseRunbook(before, runbookPath).runbook, new VFile())
  const { runbook } = parseRunbook(after, runbookPath)
  const newPlan = buildPlan(runbook, new VFile())
  const oldSteps = new Map(oldPlan.steps.map((s) => [s.id, s]))
  for (const s of newPlan.steps) {
    const b = state.blocks[s.id]
    const old = oldSteps.get(s.id)
    if (b && old && recordedAs(old, b.hash)) b.hash = s.hash
  }
  state.runbook = { path: resolve(runbookPath), sha256: runbook.sha256 }
  await saveState(paths, state)
}
