// One block's run: the pending probe written, the action, its verdict, postconditions and test
// reports, the shell's snapshot, then what it created and its result recorded in one write.
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { hasPostconditions, runPostconditions } from '../checks/postconditions.js'
import { detectReport } from '../checks/reports.js'
import { now, type BlockResult, type CheckResult, type TestReport } from '../events/events.js'
import type { Step } from '../plan/types.js'
import { describe, diff, isolateShared, otherWorkspace, pendingFrom, type Probe, type Resource } from '../resources/ledger.js'
import type { ShellSession } from '../shell/session.js'
import { safeName } from '../state/paths.js'
import { saveSnapshot } from '../state/state.js'
import { runAction } from './block-action.js'
import { BlockOutput } from './block-output.js'
import { attended, type AttemptRunner } from './debug.js'
import type { RunContext } from './context.js'
import { verdict } from './verdict.js'
import { withRetries } from './attempts.js'
import { judgeSplats, knownLists } from './health.js'
import { applyKnown } from '../checks/known.js'

/** Output larger than this is not read back for reports and {expect} (a flood stays on disk). */
const MAX_PARSED_OUTPUT = 64 * 1024 * 1024

/** Run a block and record it: the pending probe before, its result and what it created after. */
export async function runAndRecord(ctx: RunContext, step: Step): Promise<BlockResult> {
  const before = ctx.lastProbe ?? (await ctx.probe())
  ctx.lastProbe = undefined
  const pending = pendingFrom(before, step.id, ctx.opts.runId, step.attrs.keep === true)
  await ctx.record.blockStarted(pending)
  // --debug: a person may step in at a failure (or its breakpoint); a retry runs the block as the runbook reads now.
  // {retry}/{until}: each attempt (and each person's retry) runs the block again after its delay.
  const retried: AttemptRunner = (c, s, attempt) => withRetries(c, s, (n) => runBlock(c, s, attempt + n - 1))
  const { result, step: ran } = ctx.opts.debug ? await attended(ctx, step, retried) : { result: await retried(ctx, step, 1), step }
  const after = await ctx.probe()
  const created = await createdBy(ctx, step, diff(pending, after), after)
  ctx.counts[result.status]++
  await ctx.record.blockEnded(ran, result, created)
  await ctx.opts.bus.emit({ type: 'block-end', time: now(), step: step.id, result })
  ctx.lastProbe = after
  return result
}

/** A block that cannot start: recorded and reported as failed with the reason. */
export async function failWithoutRunning(ctx: RunContext, step: Step, message: string, consoleTail: string[] = []): Promise<void> {
  const time = now()
  await ctx.opts.bus.emit({ type: 'block-start', time, step: step.id, target: step.target.name, attempt: 1 })
  ctx.counts.failed++
  const result: BlockResult = {
    ...{ status: 'failed', exitCode: null, timedOut: false, interrupted: false, durationMs: 0, startedAt: time, outputBytes: 0, message },
    ...(consoleTail.length ? { console: consoleTail } : {}),
  }
  await ctx.record.blockEnded(step, result)
  await ctx.opts.bus.emit({ type: 'block-end', time: now(), step: step.id, result })
}

/** What appeared while the block ran and is ours: not another docrun workspace's. Shared mounts become slaves. */
async function createdBy(ctx: RunContext, step: Step, appeared: Resource[], after: Probe): Promise<Resource[]> {
  const created: Resource[] = []
  for (const r of appeared) {
    const other = otherWorkspace(r.kind === 'mount' ? r.mountPoint : r.kind === 'loop' ? r.backFile : '', ctx.opts.paths.workspace)
    if (other) await ctx.note(`not in the ledger: ${describe(r)} appeared while ${step.id} ran, in another docrun workspace (${other})`, 'info', step.id)
    else created.push(r)
  }
  if (!created.length) return created
  const slaved = await isolateShared(created, after)
  if (slaved.length) await ctx.note(`made ${slaved.join(', ')} a slave mount, so unmounting it never unmounts the host's own mounts`, 'info', step.id)
  await ctx.note(`ledger: ${created.map(describe).join('; ')}${step.attrs.keep ? ' (kept after the run)' : ''}`, 'info', step.id)
  return created
}

/** The block's action and everything that decides its result (verdict, postconditions, the shell answering after it). */
async function runBlock(ctx: RunContext, step: Step, attempt = 1): Promise<BlockResult> {
  const { bus, signal, runDir, secrets } = ctx.opts
  const startedAt = now()
  const t0 = performance.now()
  const expectedMs = ctx.previousMs.get(step.id)
  const extra = { ...(expectedMs ? { expectedMs: Math.round(expectedMs) } : {}), ...(step.interactive ? { interactive: true } : {}) }
  await bus.emit({ type: 'block-start', time: startedAt, step: step.id, target: step.target.name, attempt, ...extra })
  const outputFile = join('output', `${safeName(step.id)}.log`)
  const output = new BlockOutput(join(runDir, outputFile), bus, step.id, secrets)
  const backgroundLog = join(runDir, 'output', `${safeName(step.id)}.background.log`)
  const ttyLog = join(runDir, 'output', `${safeName(step.id)}.tty.log`)
  const {
    res,
    session,
    consoleTail: guestTail,
  } = await runAction(step, ctx.pool, output.write, { signal, backgroundLog, ttyLog, ...(secrets ? { secrets } : {}) })
  // A guest that failed under a block: what its console said last is the best clue.
  const consoleTail = guestTail ?? (res.error && step.target.kind === 'guest' ? ctx.pool.consoleTail(step.target.name) : undefined)
  await output.close()
  const exitCode = res.status >= 0 ? res.status : null
  let { status, message } = verdict(res, step, signal.aborted)
  const parsed = output.bytes > 0 && output.bytes <= MAX_PARSED_OUTPUT ? join(runDir, outputFile) : undefined
  const { checks, report } = await afterBlock(ctx, step, status, exitCode, parsed)
  if (status === 'failed' && exitCode !== null && report?.known && report.failed === 0 && !report.nested?.some((n) => n.failed)) {
    // Every failure the test program reported is one its lists expect (test_progs exits 1 for them).
    status = 'passed'
    message = `all ${report.known} failing test(s) are known failures (${[...new Set(report.knownFailures?.map((k) => k.list))].join(', ')})`
  }
  const splats = judgeSplats(ctx, step)
  if (splats.failure && status === 'passed') [status, message] = ['failed', splats.failure]
  const failedCheck = checks?.find((c) => !c.passed)
  if (failedCheck) {
    status = 'failed'
    message = `postcondition ${failedCheck.name} failed${failedCheck.message ? `: ${failedCheck.message.split('\n')[0]}` : ''}`
  }
  const kept = status === 'passed' && session && !session.isClosed ? await keepShellState(ctx, step, session, output.lastLine) : {}
  if (kept.error) {
    status = 'failed'
    message = `the shell did not answer after the block: ${kept.error}`
  }
  return {
    status,
    exitCode,
    timedOut: status === 'timed-out',
    interrupted: status === 'interrupted',
    durationMs: performance.now() - t0,
    startedAt,
    outputFile,
    outputBytes: output.bytes,
    ...(message ? { message } : {}),
    ...(consoleTail?.length ? { console: consoleTail } : {}),
    ...(checks?.length ? { checks } : {}),
    ...(report ? { report } : {}),
    ...(splats.found.length ? { splats: splats.found } : {}),
    ...(kept.snapshot ? { snapshot: true } : {}),
    ...(kept.capture ? { capture: kept.capture } : {}),
  }
}

/** Postconditions and test reports read the block's whole output (`outputPath` unset: none, or a flood that is not parsed). */
type AfterBlock = { checks?: CheckResult[]; report?: TestReport }
async function afterBlock(ctx: RunContext, step: Step, status: BlockResult['status'], exitCode: number | null, outputPath?: string): Promise<AfterBlock> {
  const { plan, checks = [], updateExpect } = ctx.opts
  const env = { plan, params: ctx.params, checks, session: (ref: Step['target']) => ctx.pool.get(ref), ...(updateExpect ? { updateExpect: true } : {}) }
  const wantChecks = status === 'passed' && hasPostconditions(env, step)
  if ((status === 'passed' || status === 'failed') && outputPath) {
    const text = await readFile(outputPath, 'utf8')
    const found = detectReport(text)
    const report = found ? applyKnown(found, await knownLists(ctx)) : undefined
    return { ...(report ? { report } : {}), ...(wantChecks ? { checks: await runPostconditions(env, step, { exitCode, output: text }) } : {}) }
  }
  return wantChecks ? { checks: await runPostconditions(env, step, { exitCode, output: '' }) } : {}
}

/** After a passed block: `capture=` sets its variable, and the shell's state is snapshotted for --resume. */
type ShellStateKept = { snapshot?: boolean; capture?: { name: string; value: string }; error?: string }
async function keepShellState(ctx: RunContext, step: Step, session: ShellSession, lastLine: string): Promise<ShellStateKept> {
  try {
    const capture = step.capture ? { name: step.capture, value: lastLine } : undefined
    if (capture) await session.setVars({ [capture.name]: capture.value }, false)
    if (step.action !== 'run' && !capture) return {}
    await saveSnapshot(ctx.opts.paths, step.id, await session.snapshot())
    return { snapshot: true, ...(capture ? { capture } : {}) }
  } catch (error) {
    return { error: (error as Error).message }
  }
}
