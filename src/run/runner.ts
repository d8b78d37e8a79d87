// Plan → results. Knows the plan, targets, state and the event stream; nothing about Markdown.
// The run's parts: resume.ts decides what runs (pure), record.ts writes the state,
// executor.ts walks the decision; this file sets them up, clears the ground and tears down.
import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { now } from '../events/events.js'
import { describe, failures, orphansOf, probe as probeSystem, removals, teardown, type Resource } from '../resources/ledger.js'
import { readSnapshot } from '../state/state.js'
import { noteTo, type Note, type RunContext, type RunOptions, type RunOutcome } from './context.js'
import { walk } from './executor.js'
import { TargetPool } from './pool.js'
import { RunRecord } from './record.js'
import { prepareInputs } from './inputs-now.js'
import { decideResume, inputsWords, rerunWords, snapshotCandidates, type ResumeDecision } from './resume.js'

export type { RunOptions, RunOutcome } from './context.js'
export { doneSteps } from './resume.js'

export async function executePlan(opts: RunOptions): Promise<RunOutcome> {
  const { plan, state, bus } = opts
  const record = new RunRecord(opts.paths, state, opts.runId)
  const note = noteTo(bus)
  const probe = opts.probe ?? probeSystem
  await mkdir(join(opts.runDir, 'output'), { recursive: true, mode: 0o700 })
  const previousMs = new Map(
    Object.entries(state.blocks)
      .filter(([, b]) => b.status === 'passed')
      .map(([id, b]) => [id, b.durationMs]),
  )
  if (!opts.resume) record.forgetSelected(plan)

  if (state.pending) {
    // docrun died while this block ran: what it created is not in the ledger yet.
    const dead = state.pending
    const orphans = orphansOf(dead, await probe(), opts.paths.workspace)
    await note(`a docrun died while block ${dead.block} ran${orphans.length ? `; it left ${orphans.map(describe).join(', ')}` : ''}`, 'warn')
    await record.crashRecovered(orphans)
  }
  const { inputsNow, thenDirs, cache } = await prepareInputs(plan, state, opts.paths, { resume: opts.resume, ...(opts.cache ? { cache: opts.cache } : {}) })
  const decision = decideResume(plan, state, await probe(), opts.resume, inputsNow, thenDirs)
  const pool = openPool(opts, record, decision)
  const counts = { passed: 0, failed: 0, 'timed-out': 0, interrupted: 0, skipped: 0 }
  const ctx: RunContext = { opts, pool, record, params: paramsOf(opts), counts, previousMs, probe, note, ...(cache ? { cache } : {}) }
  try {
    await clearTheGround(decision, record, note)
    return await walk(ctx, decision.steps)
  } finally {
    await pool.closeAll()
    await tearDownRun(record, note)
  }
}

const paramsOf = (opts: RunOptions) => Object.fromEntries(opts.plan.params.map((p) => [p.name, p.value]))

/** The pool, wired to the record (what it starts, guests' lives) and the decision's start (snapshots). */
function openPool(opts: RunOptions, record: RunRecord, decision: ResumeDecision): TargetPool {
  const { plan, paths, bus, state } = opts
  return new TargetPool(
    {
      workspace: paths.workspace,
      host: plan.host,
      params: paramsOf(opts),
      runDir: opts.runDir,
      ...(opts.secrets?.active ? { secrets: opts.secrets } : {}),
      // What a target says while a block runs (a guest booting, a shell restored) belongs to that block.
      note: (message) => bus.emit({ type: 'note', time: now(), level: 'info', message, ...(record.running ? { step: record.running } : {}) }),
      onGuest: (name, e) => record.guestLife(name, e),
      onResource: (r) => record.resourceMade(r),
      // Resuming (or starting mid-document): the shell state the last passed block before the start left.
      snapshotFor: async (target) => {
        for (const id of snapshotCandidates(plan, state, decision.start, target)) {
          const dump = await readSnapshot(paths, id)
          if (dump) return { dump, block: id }
        }
        return undefined
      },
    },
    opts.targetFactory,
  )
}

/**
 * Before anything runs: say which blocks run again and why, then tear down the kept resources
 * of blocks that run (so they do not stack a second set) and what earlier runs left.
 */
async function clearTheGround(decision: ResumeDecision, record: RunRecord, note: Note): Promise<void> {
  if (decision.inputsChanged) await note(inputsWords(decision.inputsChanged))
  for (const d of decision.reruns) {
    const { message, level } = rerunWords(d, describe)
    await note(message, level)
  }
  await tearDown(decision.stale, record, note, 'kept by blocks that run again')
  await tearDown(decision.leftovers, record, note, 'left by an earlier run')
}

/** The run's end: everything it created goes, innermost first, unless its block said {keep}. */
async function tearDownRun(record: RunRecord, note: Note): Promise<void> {
  const mine = record.state.resources.filter((r) => !r.keep)
  const results = mine.length ? await teardown(mine) : []
  await sayTeardown(results, note, 'created by this run')
  const kept = record.state.resources.filter((r) => r.keep && !r.cleaned)
  if (kept.length) await note(`kept (by {keep}; \`docrun clean\` removes them): ${kept.map(describe).join('; ')}`)
  if (mine.length) await record.tornDown(results)
  await record.finish()
}

async function tearDown(resources: Resource[], record: RunRecord, note: Note, what: string): Promise<void> {
  if (!resources.length) return
  const results = await teardown(resources)
  await sayTeardown(results, note, what)
  await record.tornDown(results)
}

async function sayTeardown(results: Awaited<ReturnType<typeof teardown>>, note: Note, what: string): Promise<void> {
  const [removed, failed] = [removals(results), failures(results)]
  if (removed.length) await note(`cleaned up what was ${what}: ${removed.join('; ')}`)
  if (failed.length) await note(`could not clean up: ${failed.join('; ')} — see \`docrun clean\``, 'warn')
}
