// What a run (and `docrun status`) knows before it decides: the fingerprints of the steps'
// `inputs=` now, and the block cache's keys, which cover those fingerprints.
import { chainKeys } from '../cache/index.js'
import { stepFingerprint } from '../inputs/paths.js'
import type { Plan } from '../plan/types.js'
import type { InputsNow } from './resume.js'

/** Every step that declares inputs, fingerprinted now (one that cannot be read says why). */
export async function fingerprintInputs(plan: Plan, workspace: string): Promise<InputsNow> {
  const out: InputsNow = {}
  for (const step of plan.steps) if (step.inputs && step.action !== 'none') out[step.id] = await stepFingerprint(step, workspace)
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
}

type CacheOpts = { dir: string; version: string }
export async function prepareInputs(plan: Plan, workspace: string, opts: { resume: boolean; cache?: CacheOpts }): Promise<{ inputsNow: InputsNow; cache?: RunCache }> {
  const caches = !!opts.cache && plan.steps.some((s) => s.cache?.length && !s.skip)
  const inputsNow = opts.resume || caches ? await fingerprintInputs(plan, workspace) : {}
  if (!caches) return { inputsNow }
  return { inputsNow, cache: { ...opts.cache!, keys: chainKeys(plan, { inputs: inputDigests(inputsNow) }) } }
}
