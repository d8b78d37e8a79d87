// Block cache keys: what a `{cache=PATHS}` block's output depends on, as one sha256. Pure.
//
// A key covers the block itself (its hash: language, attributes, content and its checks), how
// it runs (action, cwd, interpreter, errexit, file=, the host shell), where (its target: kind,
// name, chroot root as written), the paths it caches, the values of the params it reads, its
// `inputs=` fingerprint, and the keys of the steps before it on its chain:
//   - every step: the previous step on the same target;
//   - a chroot step: also the latest host step before it (the host made the chroot's root);
//   - a guest step: also the latest step that booted that guest (itself on the host's chain).
// So an edit changes the key of the edited block and of everything after it on its chain, and
// not of blocks on other chains. What a chain does not see (a host block reading what a chroot
// block wrote, a program reading an exported param the block text never names) is what
// `inputs=` is for.
//
// Params read: those named in the block (or its checks) as `$NAME` or `${NAME…}`. Params reach
// blocks as environment variables, so a script written by an earlier `file=` block that reads
// one is covered too: the file block names it, and its key is on the chain. The params a
// `when=` reads count as read: they decided that the block is in the run.
//
// Selection (--from/--only) does not change keys: `docrun cache key` in CI and the run must
// agree. Only blocks that never run in a full run with these params (data blocks, checks,
// `{skip}`, a `when=` that does not hold) are left out.
import { createHash } from 'node:crypto'
import type { Plan, Step, TargetRef } from '../plan/types.js'
import { whenNames } from '../plan/when.js'

/** Bumped whenever what goes into a key changes: old entries then simply miss. */
export const CACHE_KEY_VERSION = 1

export interface CacheKeyOptions {
  /** Step id → fingerprint of the step's `inputs=` (computed elsewhere). */
  inputs?: Record<string, string>
}

export interface StepKey {
  id: string
  key: string
  /** The step's `cache=` paths. */
  paths: string[]
}

/** The key of every `{cache=…}` step of the plan, in plan order. */
export function cacheKeys(plan: Plan, opts: CacheKeyOptions = {}): StepKey[] {
  const keys = chainKeys(plan, opts)
  return plan.steps.flatMap((s) => (s.cache?.length && keys.has(s.id) ? [{ id: s.id, key: keys.get(s.id)!, paths: s.cache }] : []))
}

/** Does this step take part in chains (it runs in a full, unattended-or-not run)? */
function onChain(s: Step): boolean {
  // A `when=` that does not hold leaves the block out of this run's chains, as `{skip}` does.
  return s.action !== 'none' && s.attrs.skip !== true && s.skip?.kind !== 'when'
}

/** Step id → key for every step on a chain (cacheable or not: later keys build on them). */
export function chainKeys(plan: Plan, opts: CacheKeyOptions = {}): Map<string, string> {
  const keys = new Map<string, string>()
  const lastOnTarget = new Map<string, string>()
  const lastBoot = new Map<string, string>()
  for (const step of plan.steps) {
    if (!onChain(step)) continue
    const target = targetId(step.target)
    const before: Record<string, string> = {}
    const prev = lastOnTarget.get(target)
    if (prev) before.previous = prev
    if (step.target.kind === 'chroot' && lastOnTarget.has('host')) before.host = lastOnTarget.get('host')!
    if (step.target.kind === 'guest' && lastBoot.has(step.target.name)) before.boot = lastBoot.get(step.target.name)!
    const key = sha256(canonicalJson(keyMaterial(plan, step, before, opts)))
    keys.set(step.id, key)
    lastOnTarget.set(target, key)
    if (step.boot) lastBoot.set(step.boot.guest, key)
  }
  return keys
}

/** Everything a key covers, as plain data (canonicalised and hashed by the caller). */
export function keyMaterial(plan: Plan, step: Step, before: Record<string, string>, opts: CacheKeyOptions = {}): unknown {
  const read = paramsRead(plan, step)
  return {
    v: CACHE_KEY_VERSION,
    hash: step.hash,
    action: step.action,
    shell: plan.host.shell,
    run: { cwd: step.cwd ?? null, interpreter: step.interpreter ?? null, errexit: step.errexit, file: step.file ?? null },
    target: step.target,
    paths: step.cache ?? [],
    // Values hashed one by one, so no secret sits in the material even before the final hash.
    params: Object.fromEntries(plan.params.filter((p) => read.has(p.name)).map((p) => [p.name, sha256(p.value)])),
    inputs: opts.inputs?.[step.id] ?? null,
    before,
    // `{cache-after=B}`: what is stored is also B's work: its own text and the params it reads
    // (not B's chain, which runs through builds whose inputs differ from workspace to workspace).
    ...(step.cacheAfter ? { after: afterMaterial(plan, step.cacheAfter) } : {}),
  }
}

function afterMaterial(plan: Plan, id: string): unknown {
  const after = plan.steps.find((s) => s.id === id)
  if (!after) return id
  const read = paramsRead(plan, after)
  return { id, hash: after.hash, params: Object.fromEntries(plan.params.filter((p) => read.has(p.name)).map((p) => [p.name, sha256(p.value)])) }
}

/** Names of the declared params the step's text refers to as `$NAME` or `${NAME…}`, and those its `when=` reads. */
export function paramsRead(plan: Plan, step: Step): Set<string> {
  const text = [step.content, ...(step.checks ?? []).map((c) => c.content), step.cwd ?? ''].join('\n')
  const declared = new Set(plan.params.map((p) => p.name))
  const out = new Set<string>(typeof step.attrs.when === 'string' ? whenNames(step.attrs.when).filter((n) => declared.has(n)) : [])
  for (const p of plan.params) {
    const name = p.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    if (new RegExp(`\\$(?:${name}(?![A-Za-z0-9_])|\\{${name}(?![A-Za-z0-9_]))`).test(text)) out.add(p.name)
  }
  return out
}

function targetId(t: TargetRef): string {
  return t.kind === 'host' ? 'host' : `${t.kind}:${t.name}`
}

/** JSON with object keys sorted at every depth: the same data always gives the same bytes. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined)
    return `{${entries
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`)
      .join(',')}}`
  }
  return JSON.stringify(value ?? null)
}

function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex')
}
