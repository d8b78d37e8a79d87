// Which steps of the plan this run runs, and why: the plan, the state and what the system holds
// now (mounts and loop devices, probed by the caller) in; a decision out, as data. Pure: no
// processes, no files, so every case is a table test.
//
// The words, used here, in the executor and in the record (one name for each idea):
//   selected  a step the plan runs (it has no `skip`).
//   done      passed in an earlier run with the same text and the same inputs (`inputs=`:
//             their fingerprint now, computed by the caller), and no step before it changed
//             since: on --resume it does not run ('done in an earlier run').
//   start     the first selected step that is not done: where this run begins. A target's
//             shell starts from the snapshot the last passed step before `start` left.
//   rerun     a step that runs although it is done or not selected, because the steps after it
//             need what it makes: a kept resource of it is gone, or it is a background block
//             (`RerunReason`). A rerun before `start` runs in its place in the plan's order.
//   kept      a resource a `{keep}` step made; it outlives the run (a chroot's rbind mounts).
//   leftover  a resource an earlier run made and did not keep (it crashed, or a teardown
//             failed): torn down before anything runs.
//   stale     a kept resource of a step that runs (in its turn or as a rerun): torn down before
//             the run, so the step starts from a clean slate instead of stacking a second set.
import type { Plan, SkipReason, Step } from '../plan/types.js'
import type { BlockState, State } from '../state/state.js'
import { stillMounted, type Probe, type Resource } from '../resources/ledger.js'
import { changedDirs } from '../inputs/fingerprint.js'
import { recordedAs } from '../plan/hash.js'

/** Step id → the fingerprint of its `inputs=` now (or why it could not be taken), for done steps that declare inputs. */
export type InputsNow = Record<string, { digest: string; dirs: Record<string, string> } | { error: string }>
/** Step id → the per-directory digests recorded when it passed. */
export type InputDirs = Record<string, Record<string, string>>

/** A done step that runs again because what it reads changed: the directories (or why they cannot be read). */
export interface InputsChanged {
  step: Step
  dirs: string[]
  error?: string
}

export type RerunReason =
  /** What it made and kept is gone (a reboot, `docrun clean`); `forSelection`: it is not selected and runs for the selected steps. */
  | { kind: 'kept-gone'; resource: Resource; forSelection: boolean }
  /** A background block does not outlive its run, and the steps after it may need it. */
  | { kind: 'background' }

/** What this run does with one step (steps with nothing to run, data blocks, are not listed). */
export type StepDecision =
  | { step: Step; action: 'run' }
  | { step: Step; action: 'rerun'; why: RerunReason }
  | { step: Step; action: 'done' }
  | { step: Step; action: 'skip'; skip: SkipReason }

export interface ResumeDecision {
  /** In the plan's order. */
  steps: StepDecision[]
  /** Where the run begins (undefined: nothing selected is left to run). */
  start: Step | undefined
  /** The reruns, in the order their reasons were found (the order the run says them in). */
  reruns: Extract<StepDecision, { action: 'rerun' }>[]
  /** Kept resources of steps that run: torn down first. */
  stale: Resource[]
  /** Resources earlier runs did not keep: torn down first. */
  leftovers: Resource[]
  /** The first done step whose inputs changed: it and every step after it run again. */
  inputsChanged?: InputsChanged
}

const runnable = (s: Step) => s.action !== 'none'

/** Steps already done, given the state: an edited step (or one whose inputs changed) invalidates itself and all after it. */
export function doneSteps(plan: Plan, state: State, inputsNow: InputsNow = {}): Set<string> {
  return doneAndChanged(plan, state, inputsNow).done
}

/** `thenDirs`: the per-directory digests recorded when steps passed (the state's side files), to name what changed. */
export function doneAndChanged(plan: Plan, state: State, inputsNow: InputsNow, thenDirs: InputDirs = {}): { done: Set<string>; inputsChanged?: InputsChanged } {
  const done = new Set<string>()
  for (const step of plan.steps) {
    // A block whose `when=` does not hold is not part of this run: what it did in a run with other params neither counts nor breaks the chain.
    if (!runnable(step) || step.skip?.kind === 'when') continue
    const s = state.blocks[step.id]
    if (!s) {
      if (step.skip) continue
      break
    }
    if (!recordedAs(step, s.hash)) break
    if (s.status === 'passed') {
      const inputsChanged = changedInputs(step, s.inputs, inputsNow[step.id], thenDirs[step.id])
      if (inputsChanged) return { done, inputsChanged }
      done.add(step.id)
    } else if (!step.skip) break
  }
  return { done }
}

/** Did the inputs of a passed step change since it passed? Unknown (no fingerprint then, or none now) counts as changed. */
function changedInputs(step: Step, then: BlockState['inputs'], now: InputsNow[string] | undefined, dirs?: Record<string, string>): InputsChanged | undefined {
  if (!step.inputs) return undefined
  if (!now) return undefined // the caller did not look (status without a workspace, a table test)
  if ('error' in now) return { step, dirs: [], error: now.error }
  if (!then) return { step, dirs: [], error: 'no fingerprint was taken when it passed' }
  if (then.digest === now.digest) return undefined
  return { step, dirs: dirs ? changedDirs({ dirs }, now) : [] }
}

/** The changed inputs in words: `block kernel runs again: its inputs changed (linux/kernel/bpf)`. */
export function inputsWords(c: InputsChanged, max = 5): string {
  const what = c.error ?? (c.dirs.length > max ? `${c.dirs.slice(0, max).join(', ')} and ${c.dirs.length - max} more` : c.dirs.join(', '))
  return `block ${c.step.id} runs again: its inputs changed${what ? ` (${what})` : ''}`
}

/** Is a recorded resource gone from the system? Only mounts and loops can be checked against a probe. */
export function isGone(r: Resource, now: Probe): boolean {
  if (r.kind === 'mount') return !stillMounted(r, now.mounts)
  if (r.kind === 'loop') return !now.loops.some((l) => l.name === r.device && l.backFile === r.backFile)
  return false
}

export function decideResume(plan: Plan, state: State, now: Probe, resume: boolean, inputsNow: InputsNow = {}, thenDirs: InputDirs = {}): ResumeDecision {
  const { done, inputsChanged } = resume ? doneAndChanged(plan, state, inputsNow, thenDirs) : { done: new Set<string>(), inputsChanged: undefined }
  const start = plan.steps.find((s) => !s.skip && runnable(s) && !done.has(s.id))
  // Done or not selected, and before the start: what it made, the steps to run work in.
  const beforeStart = (s: Step): boolean => !!start && s.index < start.index && (done.has(s.id) || s.skip?.kind === 'not-selected')
  const reruns = new Map<string, RerunReason>()
  for (const r of state.resources) {
    const step = plan.steps.find((s) => s.id === r.block)
    if (!r.keep || !step || reruns.has(step.id) || !isGone(r, now)) continue
    if (beforeStart(step)) reruns.set(step.id, { kind: 'kept-gone', resource: r, forSelection: !!step.skip })
    // Done, and no start to run it before (everything was done): it runs in its turn instead of counting as done.
    else if (done.has(step.id) && !step.skip) {
      done.delete(step.id)
      reruns.set(step.id, { kind: 'kept-gone', resource: r, forSelection: false })
    }
  }
  for (const s of plan.steps) if (s.background && beforeStart(s) && !reruns.has(s.id)) reruns.set(s.id, { kind: 'background' })

  const steps: StepDecision[] = plan.steps.filter(runnable).map((step) => {
    const why = reruns.get(step.id)
    if (why) return { step, action: 'rerun', why }
    if (step.skip) return { step, action: 'skip', skip: step.skip }
    return done.has(step.id) ? { step, action: 'done' } : { step, action: 'run' }
  })
  const runs = new Set(steps.filter((d) => d.action === 'run' || d.action === 'rerun').map((d) => d.step.id))
  const byId = new Map(steps.map((d) => [d.step.id, d]))
  return {
    steps,
    start,
    reruns: [...reruns.keys()].map((id) => byId.get(id) as Extract<StepDecision, { action: 'rerun' }>),
    stale: state.resources.filter((r) => r.keep && runs.has(r.block)),
    leftovers: state.resources.filter((r) => !r.keep),
    ...(inputsChanged ? { inputsChanged } : {}),
  }
}

/** The rerun in words, as the run says it. */
export function rerunWords(d: Extract<StepDecision, { action: 'rerun' }>, describe: (r: Resource) => string): { message: string; level: 'info' | 'warn' } {
  const id = d.step.id
  if (d.why.kind === 'background') {
    return { message: `block ${id} runs again: a background block ends with its run, and the blocks after it may need it`, level: 'info' }
  }
  const sel = d.why.forSelection
  const what = `what it made and kept${sel ? ' for them' : ''} is gone (${describe(d.why.resource)})`
  return { message: `block ${id} runs again${sel ? ' before the selected blocks' : ''}: ${what}`, level: 'warn' }
}

/**
 * The steps whose snapshot a target's shell starts from, best first: passed steps on that
 * target before the start, with the text they passed with. The caller takes the first whose
 * snapshot file it can read.
 */
export function snapshotCandidates(plan: Plan, state: State, start: Step | undefined, target: string): string[] {
  if (!start) return []
  return [...plan.steps]
    .reverse()
    .filter((s) => s.index < start.index && s.target.name === target)
    .filter((s) => {
      const b = state.blocks[s.id]
      return b?.status === 'passed' && b.snapshot === true && recordedAs(s, b.hash)
    })
    .map((s) => s.id)
}

/**
 * A guest that is not running before `step`: the start block that boots it again and the
 * `{setup}` blocks between, or undefined when no block before `step` may start it (none, or
 * one the plan leaves out for a reason other than the selection).
 */
export function guestRestart(plan: Plan, step: Step): { start: Step; setups: Step[] } | undefined {
  const name = step.target.name
  const mayRun = (s: Step) => !s.skip || s.skip.kind === 'not-selected'
  const start = [...plan.steps].reverse().find((s) => s.index < step.index && s.boot?.guest === name)
  if (!start || !mayRun(start)) return undefined
  const setups = plan.steps.filter((s) => s.setup && s.target.name === name && s.index > start.index && s.index < step.index && mayRun(s))
  return { start, setups }
}
