// What a run (and `docrun status`) knows before it decides: the fingerprints of the steps'
// `inputs=` now, and the block cache's keys, which cover those fingerprints.
import { chainKeys } from '../cache/key.js'
import { inputPaths, stepFingerprint } from '../inputs/paths.js'
import type { Plan, Step } from '../plan/types.js'
import type { Paths } from '../state/paths.js'
import { readInputDirs, type State } from '../state/state.js'
import type { InputDirs, InputsNow } from './resume.js'
import { recordedAs } from '../plan/hash.js'

/** Every step that declares inputs (of those `wanted`), fingerprinted now (one that cannot be read says why). */
export async function fingerprintInputs(plan: Plan, workspace: string, wanted: (step: Step) => boolean = () => true): Promise<InputsNow> {
  const out: InputsNow = {}
  // Blocks that read the same tree (a kernel's build, its selftests, its tests) share one walk of it.
  const taken = new Map<string, InputsNow[string]>()
  for (const step of plan.steps) {
    if (!step.inputs || step.action === 'none' || !wanted(step)) continue
    const same = JSON.stringify([inputPaths(step, workspace), step.inputs.exclude ?? []])
    if (!taken.has(same)) taken.set(same, await stepFingerprint(step, workspace))
    out[step.id] = taken.get(same)!
  }
  return out
}

/**
 * The steps whose fingerprint now decides anything without a block cache: those that passed with
 * the text they have now (resume.ts `doneAndChanged` compares only theirs). A step that never
 * passed runs anyway: walking its tree (a `find` of a kernel tree) would tell nothing.
 */
export const passedAsWritten =
  (state: State) =>
  (step: Step): boolean =>
    state.blocks[step.id]?.status === 'passed' && recordedAs(step, state.blocks[step.id]?.hash)

/** The per-directory digests recorded for the steps whose inputs changed since they passed (to name the change). */
export async function recordedDirs(plan: Plan, state: State, paths: Paths, inputsNow: InputsNow): Promise<InputDirs> {
  const out: InputDirs = {}
  for (const step of plan.steps) {
    const [then, now] = [state.blocks[step.id]?.inputs, inputsNow[step.id]]
    if (!then || !now || !('digest' in now) || now.digest === then.digest) continue
    const dirs = await readInputDirs(paths, step.id)
    if (dirs) out[step.id] = dirs
  }
  return out
}

/** The digests of the fingerprints that could be taken: what the cache keys cover. */
export function inputDigests(inputs: InputsNow): Record<string, string> {
  return Object.fromEntries(Object.entries(inputs).flatMap(([id, f]) => ('digest' in f ? [[id, f.digest]] : [])))
}

/** The block cache for this run, or undefined when it is off or no step caches. */
export interface RunCache {
  dir: string
  /** docrun's version, recorded in the entries it stores. */
  version: string
  /** Step id → key (every step on a chain; only `{cache}` steps are looked up). */
  keys: Map<string, string>
  /** `{cache-after=B}`: step id of B → the steps whose paths are stored once B has run and passed. */
  pending: Map<string, { step: Step; mountsBefore: string[] }[]>
}

type CacheOpts = { dir: string; version: string }
type Prepared = { inputsNow: InputsNow; thenDirs: InputDirs; cache?: RunCache }
export async function prepareInputs(plan: Plan, state: State, paths: Paths, opts: { resume: boolean; cache?: CacheOpts }): Promise<Prepared> {
  const caches = !!opts.cache && plan.steps.some((s) => s.cache?.length && !s.skip)
  // The block cache's keys cover every step's inputs; a resume needs only the passed steps'.
  const inputsNow = caches
    ? await fingerprintInputs(plan, paths.workspace)
    : opts.resume
      ? await fingerprintInputs(plan, paths.workspace, passedAsWritten(state))
      : {}
  const thenDirs = opts.resume ? await recordedDirs(plan, state, paths, inputsNow) : {}
  if (!caches) return { inputsNow, thenDirs }
  return { inputsNow, thenDirs, cache: { ...opts.cache!, keys: chainKeys(plan, { inputs: inputDigests(inputsNow) }), pending: new Map() } }
}
