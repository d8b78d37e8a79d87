// A step with `{cache=PATHS}` or `{inputs=PATHS}` around its run: before it, its paths restored
// from the block cache instead of running it (a hit); after it passed, its inputs fingerprinted
// and its paths stored — or, with `{cache-after=B}`, stored once B has run and passed (a disk
// image is made by one block and finished by a later boot). A cache that cannot help is a
// note, never a failure: the block runs.
import { CacheError, restorePaths, storePaths, formatSize, type CacheMeta } from '../cache/index.js'
import { now, type BlockResult } from '../events/events.js'
import { resolve } from 'node:path'
import { stepFingerprint } from '../inputs/paths.js'
import { isWithin, mountsBelow, readMounts } from '../sys/mountinfo.js'
import type { Step } from '../plan/types.js'
import type { RunContext } from './context.js'

const short = (key: string) => key.slice(0, 16)

/** Restore the step from the cache, or run it (`run`); then fingerprint and store what it made. */
export async function runOrRestore(ctx: RunContext, step: Step, run: () => Promise<BlockResult>): Promise<BlockResult> {
  const key = step.cache?.length ? ctx.cache?.keys.get(step.id) : undefined
  const restored = key ? await tryRestore(ctx, step, key) : undefined
  const mountsBefore = key && !restored ? await mountsUnder(ctx, step) : []
  const result = restored ?? (await run())
  if (result.status !== 'passed') return result
  if (step.inputs) await takeFingerprint(ctx, step)
  if (key && !restored) await storeNowOrLater(ctx, { step, mountsBefore }, key)
  if (!restored) await storeWaiting(ctx, step)
  return result
}

type Waiting = { step: Step; mountsBefore: string[] }

async function storeNowOrLater(ctx: RunContext, w: Waiting, key: string): Promise<void> {
  if (!w.step.cacheAfter) return store(ctx, w, key)
  const pending = ctx.cache!.pending
  pending.set(w.step.cacheAfter, [...(pending.get(w.step.cacheAfter) ?? []), w])
  await ctx.note(`its paths go into the block cache once block ${w.step.cacheAfter} has run and passed (cache-after)`, 'info', w.step.id)
}

/** `step` ran and passed: the paths of the blocks waiting for it go into the cache now. */
async function storeWaiting(ctx: RunContext, step: Step): Promise<void> {
  const waiting = ctx.cache?.pending.get(step.id)
  if (!waiting) return
  ctx.cache!.pending.delete(step.id)
  for (const w of waiting) await store(ctx, w, ctx.cache!.keys.get(w.step.id)!, step.id)
}

/** Mount points at or below the step's cache paths now. */
async function mountsUnder(ctx: RunContext, step: Step): Promise<string[]> {
  const mounts = await readMounts()
  return step.cache!.flatMap((p) => mountsBelow(mounts, resolve(ctx.opts.paths.workspace, p)))
}

/**
 * Mounts made below the paths since the block started (by it, or before its cache-after block)
 * would be missing after a restore, which replaces the block but makes no mount: not stored.
 * Mounts that were there before it (a chroot's, made by an earlier block) stay out of the entry
 * and are made again by their own block (restore.ts).
 */
async function mountsMadeSince(ctx: RunContext, w: Waiting): Promise<string[]> {
  const before = new Set(w.mountsBefore)
  return (await mountsUnder(ctx, w.step)).filter((m) => !before.has(m))
}

/** A hit: the block is recorded as passed without running (no shell snapshot: only its files come back). */
async function tryRestore(ctx: RunContext, step: Step, key: string): Promise<BlockResult | undefined> {
  const t0 = performance.now()
  await closeChrootsUnder(ctx, step.cache!)
  const r = await restorePaths(ctx.cache!.dir, key, ctx.opts.paths.workspace).catch((e: Error) => ({ status: 'miss' as const, reason: e.message }))
  if (r.status === 'miss') {
    const why = r.reason ? `: ${r.reason}` : ''
    await ctx.note(`not in the block cache (key ${short(key)})${why}; the block runs`, r.reason ? 'warn' : 'info', step.id)
    return undefined
  }
  if (r.status === 'refused') {
    await ctx.note(`the block cache has ${short(key)} but cannot restore it here: ${r.reason}; the block runs`, 'warn', step.id)
    return undefined
  }
  const startedAt = now()
  await ctx.opts.bus.emit({ type: 'block-start', time: startedAt, step: step.id, target: step.target.name, attempt: 1 })
  const result: BlockResult = {
    ...{ status: 'passed', exitCode: null, timedOut: false, interrupted: false, startedAt, outputBytes: 0 },
    durationMs: performance.now() - t0,
    message: restoredWords(key, r.meta, r.beneathMounts),
  }
  ctx.counts.passed++
  await ctx.record.blockEnded(step, result)
  await ctx.opts.bus.emit({ type: 'block-end', time: now(), step: step.id, result })
  return result
}

/** A restore replaces the paths: a chroot shell open inside one of them would go on in the removed tree. */
async function closeChrootsUnder(ctx: RunContext, paths: string[]): Promise<void> {
  const ws = ctx.opts.paths.workspace
  const under = (root: string) => paths.some((p) => isWithin(resolve(ws, root), resolve(ws, p)))
  const names = new Set(ctx.opts.plan.steps.flatMap((s) => (s.target.kind === 'chroot' && under(s.target.root) ? [s.target.name] : [])))
  for (const name of names) {
    const words = `closed the shell of chroot ${name}: the restore replaces its root, the next block there starts a new one (its variables are gone)`
    if (await ctx.pool.close(name)) await ctx.note(words)
  }
}

export function restoredWords(key: string, meta: CacheMeta, beneathMounts = false): string {
  const made = `made ${meta.created.slice(0, 16).replace('T', ' ')} on ${meta.host}`
  const how = beneathMounts ? ', unpacked over what was there beneath its mounts' : ''
  return `restored from cache ${short(key)} (${made}${how}); the block did not run, its shell state is not restored`
}

async function takeFingerprint(ctx: RunContext, step: Step): Promise<void> {
  const fp = await stepFingerprint(step, ctx.opts.paths.workspace)
  if ('error' in fp) await ctx.note(`its inputs could not be fingerprinted (${fp.error}): --resume runs it again`, 'warn', step.id)
  else await ctx.record.inputsTaken(step, fp)
}

/**
 * After the block passed (or the block its `cache-after` names, `at`): its paths into the cache.
 * A refusal (a path is a mount point, a path missing) leaves it passed.
 */
async function store(ctx: RunContext, { step, mountsBefore }: Waiting, key: string, at = step.id): Promise<void> {
  const whose = at === step.id ? '' : `block ${step.id}'s paths (${step.cache!.join(', ')}) `
  try {
    const made = await mountsMadeSince(ctx, { step, mountsBefore })
    if (made.length) {
      const list = `${made.slice(0, 3).join(', ')}${made.length > 3 ? ', …' : ''}`
      throw new CacheError(`mounts were made below its cache paths (${list}) and a restore would not make them: make them in a block of their own after it`)
    }
    const request = { key, workspace: ctx.opts.paths.workspace, paths: step.cache!, step: step.id, version: ctx.cache!.version }
    const { stored, meta } = await storePaths(ctx.cache!.dir, request)
    const words = stored ? `stored in the block cache as ${short(key)} (${formatSize(meta.size)})` : `already in the block cache as ${short(key)}`
    await ctx.note(`${whose}${words}`, 'info', at)
  } catch (error) {
    const why = error instanceof CacheError ? error.message : `the store failed: ${(error as Error).message}`
    await ctx.note(`${whose}not stored in the block cache: ${why}`, 'warn', at)
  }
}
