// Plan → results. Knows the plan, targets, state and the event stream; nothing about Markdown.
import { mkdir, readFile } from 'node:fs/promises'
import type { RegisteredCheck } from '../checks/api.js'
import type { Masker } from '../common/mask.js'
import { hasPostconditions, runPostconditions } from '../checks/postconditions.js'
import { detectReport } from '../checks/reports.js'
import type { CheckResult, TestReport } from '../events/events.js'
import { join } from 'node:path'
import type { Plan, Step } from '../plan/types.js'
import { safeName, type Paths } from '../state/paths.js'
import { readSnapshot, saveSnapshot, saveState, type State } from '../state/state.js'
import { EventBus, now, type BlockResult, type BlockStatus, type HostFacts } from '../events/events.js'
import { TargetPool, type TargetFactory } from './pool.js'
import { BlockOutput } from './block-output.js'
import { runAction } from './block-action.js'
import { verdict } from './verdict.js'
import { EXIT } from '../common/exit-codes.js'
import { describe as describeResource, diff, isolateShared, otherWorkspace, orphansOf, pendingFrom, probe, removals, failures, stillMounted, teardown, type TeardownResult, type Resource } from '../resources/ledger.js'

export interface RunOptions {
  plan: Plan
  paths: Paths
  state: State
  runId: string
  runDir: string
  bus: EventBus
  facts: HostFacts
  resume: boolean
  signal: AbortSignal
  targetFactory?: TargetFactory
  /** The runbook's checks module entries. */
  checks?: RegisteredCheck[]
  /** Secret values: masked in output files, events and console logs. */
  secrets?: Masker
  /** Rewrite {expect} blocks that do not match instead of failing (the CLI writes the file). */
  updateExpect?: boolean
}

export interface RunOutcome {
  status: 'passed' | 'failed' | 'interrupted'
  exitCode: number
  counts: Record<BlockStatus, number>
  failed?: string
}

/** Output larger than this is not read back for reports and {expect} (a flood stays on disk). */
const MAX_PARSED_OUTPUT = 64 * 1024 * 1024

/** Blocks already done, given the state: an edited block invalidates itself and all after it. */
export function doneSteps(plan: Plan, state: State): Set<string> {
  const done = new Set<string>()
  for (const step of plan.steps) {
    if (step.action === 'none') continue
    const s = state.blocks[step.id]
    if (!s) {
      if (step.skip) continue
      break
    }
    if (s.hash !== step.hash) break
    if (s.status === 'passed') done.add(step.id)
    else if (!step.skip) break
  }
  return done
}

export async function executePlan(opts: RunOptions): Promise<RunOutcome> {
  const { plan, paths, state, bus, signal } = opts
  const counts: Record<BlockStatus, number> = { passed: 0, failed: 0, 'timed-out': 0, interrupted: 0, skipped: 0 }
  const done = opts.resume ? doneSteps(plan, state) : new Set<string>()
  const params = Object.fromEntries(plan.params.map((p) => [p.name, p.value]))
  let firstToRun = plan.steps.find((s) => !s.skip && s.action !== 'none' && !done.has(s.id))
  await mkdir(join(opts.runDir, 'output'), { recursive: true, mode: 0o700 })

  // How long each block took when it last passed: progress shows it as an estimate.
  const previousMs = new Map(Object.entries(state.blocks).filter(([, b]) => b.status === 'passed').map(([id, b]) => [id, b.durationMs]))
  if (!opts.resume) {
    // A fresh run: earlier results of the blocks it will run no longer describe the machine.
    for (const s of plan.steps) if (!s.skip && s.action !== 'none') delete state.blocks[s.id]
  }

  const pool = new TargetPool(
    {
      workspace: paths.workspace,
      host: plan.host,
      params,
      runDir: opts.runDir,
      ...(opts.secrets?.active ? { secrets: opts.secrets } : {}),
      // What a target says while a block runs (a guest booting, a shell restored) belongs to that block.
      note: (message) => bus.emit({ type: 'note', time: now(), level: 'info', message, ...(state.pending ? { step: state.pending.block } : {}) }),
      onGuest: async (name, e) => {
        state.guests ??= {}
        if ('pid' in e) state.guests[name] = { pid: e.pid, runId: opts.runId, startedAt: new Date(Date.now() - e.readyAfterMs).toISOString(), readyAfterMs: Math.round(e.readyAfterMs) }
        else if (state.guests[name]) Object.assign(state.guests[name]!, { stoppedAt: now(), end: e.end })
        await saveState(paths, state)
      },
      onResource: async (r) => {
        state.resources.push({ ...r, block: state.pending?.block ?? '', runId: opts.runId, keep: false })
        await saveState(paths, state)
      },
      // Resuming (or starting mid-document): the shell state the last good block before us left.
      snapshotFor: async (target) => {
        if (!firstToRun) return undefined
        for (const s of [...plan.steps].reverse()) {
          if (s.index >= firstToRun.index || s.target.name !== target) continue
          const bs = state.blocks[s.id]
          if (bs?.status === 'passed' && bs.snapshot && bs.hash === s.hash) {
            const dump = await readSnapshot(paths, s.id)
            if (dump) return { dump, block: s.id }
          }
        }
        return undefined
      },
    },
    opts.targetFactory,
  )

  const note = (message: string, level: 'info' | 'warn' = 'info', step?: string) => bus.emit({ type: 'note', time: now(), level, message, ...(step ? { step } : {}) })
  if (state.pending) {
    // docrun died while this block ran: what it created is not in the ledger yet.
    const orphans = orphansOf(state.pending, await probe(), paths.workspace)
    await note(`a docrun died while block ${state.pending.block} ran${orphans.length ? `; it left ${orphans.map(describeResource).join(', ')}` : ''}`, 'warn')
    state.resources.push(...orphans)
    delete state.pending
    await saveState(paths, state)
  }
  // Kept resources (a chroot's rbind mounts) that vanished (a reboot, `docrun clean`) make their
  // block run again, and so does a background block before the blocks to run: they make the
  // environment later blocks work in. Such a block runs in the shell state restored for the
  // blocks to run, so variables set by done blocks are not lost. Kept resources of a block that
  // runs again go first, so it starts from a clean slate instead of stacking a second set.
  const restore = new Set<string>()
  {
    const now0 = await probe()
    const gone = (r: Resource) => (r.kind === 'mount' ? !stillMounted(r, now0.mounts) : r.kind === 'loop' ? !now0.loops.some((l) => l.name === r.device && l.backFile === r.backFile) : false)
    const first = firstToRun
    const before = (s: Step | undefined): s is Step => !!s && !!first && s.index < first.index && (done.has(s.id) || s.skip === 'not selected')
    for (const r of state.resources) {
      const step = plan.steps.find((s) => s.id === r.block)
      if (!r.keep || !gone(r) || restore.has(r.block)) continue
      if (done.has(r.block) && !before(step)) {
        // Done, after the first block to run (a --from selection): it runs in its turn anyway.
        done.delete(r.block)
        await note(`block ${r.block} runs again: what it made and kept is gone (${describeResource(r)})`, 'warn')
      } else if (before(step)) {
        // Kept resources are the environment later blocks work in (a chroot's /proc, /dev).
        restore.add(step.id)
        await note(`block ${step.id} runs again${step.skip ? ' before the selected blocks' : ''}: what it made and kept${step.skip ? ' for them' : ''} is gone (${describeResource(r)})`, 'warn')
      }
    }
    // A background block does not outlive its run: the blocks to run may rely on it.
    for (const s of plan.steps.filter((x) => x.background && before(x) && !restore.has(x.id))) {
      restore.add(s.id)
      await note(`block ${s.id} runs again: a background block ends with its run, and the blocks after it may need it`, 'info')
    }
    const rerun = new Set(plan.steps.filter((s) => ((!s.skip && !done.has(s.id)) || restore.has(s.id)) && s.action !== 'none').map((s) => s.id))
    const redo = state.resources.filter((r) => r.keep && rerun.has(r.block))
    if (redo.length) {
      const rep = await teardown(redo)
      await reportTeardown(rep, note, 'kept by blocks that run again')
      state.resources = state.resources.filter((r) => !redo.includes(r) || notRemoved(rep).has(r))
      await saveState(paths, state)
    }
  }
  const leftover = state.resources.filter((r) => !r.keep)
  if (leftover.length) {
    const rep = await teardown(leftover)
    await reportTeardown(rep, note, 'left by an earlier run')
    state.resources = state.resources.filter((r) => r.keep || notRemoved(rep).has(r))
    await saveState(paths, state)
  }

  const runAndRecord = async (step: Step): Promise<StepOutcome> => {
    const before = await probe()
    state.pending = pendingFrom(before, step.id, opts.runId, step.attrs.keep === true)
    await saveState(paths, state)
    const result = await runStep(step, pool, opts, params, previousMs.get(step.id))
    const after = await probe()
    const created: Resource[] = []
    for (const r of diff(state.pending, after)) {
      const other = otherWorkspace(r.kind === 'mount' ? r.mountPoint : r.kind === 'loop' ? r.backFile : '', paths.workspace)
      if (other) await note(`not in the ledger: ${describeResource(r)} appeared while ${step.id} ran, in another docrun workspace (${other})`, 'info', step.id)
      else created.push(r)
    }
    delete state.pending
    if (created.length) {
      state.resources.push(...created)
      const slaved = await isolateShared(created, after)
      if (slaved.length) await note(`made ${slaved.join(', ')} a slave mount, so unmounting it never unmounts the host's own mounts`, 'info', step.id)
      await note(`ledger: ${created.map(describeResource).join('; ')}${step.attrs.keep ? ' (kept after the run)' : ''}`, 'info', step.id)
    }
    counts[result.status]++
    state.blocks[step.id] = {
      hash: step.hash,
      status: result.status,
      exitCode: result.exitCode,
      durationMs: result.durationMs,
      finishedAt: now(),
      runId: opts.runId,
      target: step.target.name,
      ...(result.snapshot ? { snapshot: true } : {}),
      ...(result.capture ? { capture: result.capture } : {}),
      ...(result.message ? { message: result.message } : {}),
    }
    state.lastRun = opts.runId
    await saveState(paths, state)
    await bus.emit({ type: 'block-end', time: now(), step: step.id, result: result.result })
    return result
  }

  /** Before a guest block: the guest must be running; boot it if this run has not. */
  const ensureGuest = async (step: Step): Promise<RunOutcome | undefined> => {
    const name = step.target.name
    const st = pool.guestStatus(name)
    if (st.state === 'running') return undefined
    if (st.state === 'stopped') {
      // It died between blocks: say so and stop, never boot a fresh one behind the user's back.
      const message = `guest ${name} is gone: ${st.reason}`
      await failWithoutRunning(step, message, pool.consoleTail(name))
      return { status: 'failed', exitCode: EXIT.failed, counts, failed: step.id }
    }
    const start = [...plan.steps].reverse().find((s) => s.index < step.index && s.boot?.guest === name)
    if (!start || (start.skip && start.skip !== 'not selected')) {
      await failWithoutRunning(step, `guest ${name} is not running and no block before this one starts it (a block marked {guest=${name}})`)
      return { status: 'failed', exitCode: EXIT.failed, counts, failed: step.id }
    }
    const setups = plan.steps.filter((s) => s.setup && s.target.name === name && s.index > start.index && s.index < step.index && (!s.skip || s.skip === 'not selected'))
    await note(`guest ${name} is not running (a guest does not outlive docrun): booting it again with ${start.id}${setups.length ? `, then its setup block${setups.length > 1 ? 's' : ''} ${setups.map((s) => s.id).join(', ')}` : ''}`, 'info', step.id)
    for (const s of [start, ...setups]) {
      const r = await runAndRecord(s)
      if (r.status !== 'passed') return { status: r.status === 'interrupted' ? 'interrupted' : 'failed', exitCode: r.status === 'interrupted' ? EXIT.interrupted : EXIT.failed, counts, failed: s.id }
    }
    return undefined
  }

  /** A block that cannot start: recorded and reported as failed with the reason. */
  const failWithoutRunning = async (step: Step, message: string, consoleTail: string[] = []) => {
    const time = now()
    await bus.emit({ type: 'block-start', time, step: step.id, target: step.target.name, attempt: 1 })
    counts.failed++
    state.blocks[step.id] = { hash: step.hash, status: 'failed', exitCode: null, durationMs: 0, finishedAt: time, runId: opts.runId, target: step.target.name, message }
    await saveState(paths, state)
    const result: BlockResult = { status: 'failed', exitCode: null, timedOut: false, interrupted: false, durationMs: 0, startedAt: time, outputBytes: 0, message, ...(consoleTail.length ? { console: consoleTail } : {}) }
    await bus.emit({ type: 'block-end', time: now(), step: step.id, result })
  }

  let outcome: RunOutcome = { status: 'passed', exitCode: EXIT.ok, counts }
  try {
    for (const step of plan.steps) {
      if (step.action === 'none') continue
      const again = restore.has(step.id)
      if (step.skip && !again) {
        if (step.skip !== 'not selected') await bus.emit({ type: 'block-skip', time: now(), step: step.id, reason: step.skip })
        continue
      }
      if (done.has(step.id) && !again) {
        counts.skipped++
        await bus.emit({ type: 'block-skip', time: now(), step: step.id, reason: 'done in an earlier run' })
        continue
      }
      if (signal.aborted) {
        outcome = { status: 'interrupted', exitCode: EXIT.interrupted, counts, failed: step.id }
        break
      }
      if (step.refuse) {
        await failWithoutRunning(step, step.refuse)
        outcome = { status: 'failed', exitCode: EXIT.failed, counts, failed: step.id }
        break
      }
      if (step.target.kind === 'guest') {
        // A guest does not outlive docrun: boot it again (start block, then {setup} blocks).
        const failed = await ensureGuest(step)
        if (failed) {
          outcome = failed
          break
        }
      }
      const result = await runAndRecord(step)
      if (result.status === 'interrupted') {
        outcome = { status: 'interrupted', exitCode: EXIT.interrupted, counts, failed: step.id }
        break
      }
      if (result.status !== 'passed') {
        outcome = { status: 'failed', exitCode: EXIT.failed, counts, failed: step.id }
        break
      }
    }
  } finally {
    await pool.closeAll()
    // Everything this run created goes, innermost first, unless its block said {keep}.
    const mine = state.resources.filter((r) => !r.keep)
    if (mine.length) {
      const rep = await teardown(mine)
      await reportTeardown(rep, note, 'created by this run')
      state.resources = state.resources.filter((r) => r.keep || notRemoved(rep).has(r))
    }
    const kept = state.resources.filter((r) => r.keep && !r.cleaned)
    if (kept.length) await note(`kept (by {keep}; \`docrun clean\` removes them): ${kept.map(describeResource).join('; ')}`)
    await saveState(paths, state)
  }
  return outcome
}

const notRemoved = (results: TeardownResult[]) => new Set(results.filter((r) => !r.ok).map((r) => r.resource))

async function reportTeardown(results: TeardownResult[], note: (m: string, l?: 'info' | 'warn') => Promise<void>, what: string): Promise<void> {
  const [removed, failed] = [removals(results), failures(results)]
  if (removed.length) await note(`cleaned up what was ${what}: ${removed.join('; ')}`)
  if (failed.length) await note(`could not clean up: ${failed.join('; ')} — see \`docrun clean\``, 'warn')
}

interface StepOutcome {
  status: BlockStatus
  exitCode: number | null
  durationMs: number
  result: BlockResult
  message?: string
  snapshot?: boolean
  capture?: { name: string; value: string }
}

async function runStep(step: Step, pool: TargetPool, opts: RunOptions, params: Record<string, string>, expectedMs?: number): Promise<StepOutcome> {
  const { bus, signal } = opts
  const startedAt = now()
  const t0 = performance.now()
  await bus.emit({ type: 'block-start', time: startedAt, step: step.id, target: step.target.name, attempt: 1, ...(expectedMs ? { expectedMs: Math.round(expectedMs) } : {}), ...(step.interactive ? { interactive: true } : {}) })
  const outputFile = join('output', `${safeName(step.id)}.log`)
  const output = new BlockOutput(join(opts.runDir, outputFile), bus, step.id, opts.secrets)
  const backgroundLog = join(opts.runDir, 'output', `${safeName(step.id)}.background.log`)
  const { res, session, consoleTail: guestTail } = await runAction(step, pool, output.write, { signal, backgroundLog, ...(opts.secrets ? { secrets: opts.secrets } : {}) })
  // A guest that failed under a block: what its console said last is the best clue.
  const consoleTail = guestTail ?? (res.error && step.target.kind === 'guest' ? pool.consoleTail(step.target.name) : undefined)
  await output.close()
  let { status, message } = verdict(res, step, signal.aborted)

  // Postconditions and test reports read the block's whole output (bounded: a flood is not parsed).
  let checks: CheckResult[] | undefined
  let report: TestReport | undefined
  const env = { plan: opts.plan, params, checks: opts.checks ?? [], session: (ref: Step['target']) => pool.get(ref), ...(opts.updateExpect ? { updateExpect: true } : {}) }
  const wantChecks = status === 'passed' && hasPostconditions(env, step)
  const exitCode = res.status >= 0 ? res.status : null
  if ((status === 'passed' || status === 'failed') && output.bytes > 0 && output.bytes <= MAX_PARSED_OUTPUT) {
    const text = await readFile(join(opts.runDir, outputFile), 'utf8')
    report = detectReport(text)
    if (wantChecks) checks = await runPostconditions(env, step, { exitCode, output: text })
  } else if (wantChecks) checks = await runPostconditions(env, step, { exitCode, output: '' })
  const failedCheck = checks?.find((c) => !c.passed)
  if (failedCheck) {
    status = 'failed'
    message = `postcondition ${failedCheck.name} failed${failedCheck.message ? `: ${failedCheck.message.split('\n')[0]}` : ''}`
  }

  let snapshot = false
  let capture: StepOutcome['capture']
  if (status === 'passed' && session && !session.isClosed) {
    try {
      if (step.capture) {
        capture = { name: step.capture, value: output.lastLine }
        await session.setVars({ [step.capture]: output.lastLine }, false)
      }
      if (step.action === 'run' || capture) {
        await saveSnapshot(opts.paths, step.id, await session.snapshot())
        snapshot = true
      }
    } catch (error) {
      status = 'failed'
      message = `the shell did not answer after the block: ${(error as Error).message}`
    }
  }
  const durationMs = performance.now() - t0
  return {
    status,
    exitCode,
    durationMs,
    snapshot,
    ...(capture ? { capture } : {}),
    ...(message ? { message } : {}),
    result: {
      status,
      exitCode,
      timedOut: status === 'timed-out',
      interrupted: status === 'interrupted',
      durationMs,
      startedAt,
      outputFile,
      outputBytes: output.bytes,
      ...(message ? { message } : {}),
      ...(consoleTail?.length ? { console: consoleTail } : {}),
      ...(checks?.length ? { checks } : {}),
      ...(report ? { report } : {}),
    },
  }
}
