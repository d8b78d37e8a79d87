// A step with `{cache=PATHS}` or `{inputs=PATHS}` around its run: before it, its paths restored
// from the block cache instead of running it (a hit); after it passed, its inputs fingerprinted
// and its paths stored. A cache that cannot help is a note, never a failure: the block runs.
import { CacheError, restorePaths, storePaths, formatSize, type CacheMeta } from '../cache/index.js'
import { now, type BlockResult } from '../events/events.js'
import { resolve } from 'node:path'
import { stepFingerprint } from '../inputs/paths.js'
import { isWithin } from '../sys/mountinfo.js'
import type { Step } from '../plan/types.js'
import type { RunContext } from './context.js'

const short = (key: string) => key.slice(0, 16)

/** Restore the step from the cache, or run it (`run`); then fingerprint and store what it made. */
export async function runOrRestore(ctx: RunContext, step: Step, run: () => Promise<BlockResult>): Promise<BlockResult> {
  const key = step.cache?.length ? ctx.cache?.keys.get(step.id) : undefined
  const restored = key ? await tryRestore(ctx, step, key) : undefined
  const result = restored ?? (await run())
  if (result.status !== 'passed') return result
  if (step.inputs) await takeFingerprint(ctx, step)
  if (key && !restored) await store(ctx, step, key)
  return result
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
    message: restoredWords(key, r.meta),
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

export function restoredWords(key: string, meta: CacheMeta): string {
  const made = `made ${meta.created.slice(0, 16).replace('T', ' ')} on ${meta.host}`
  return `restored from cache ${short(key)} (${made}); the block did not run, its shell state is not restored`
}

async function takeFingerprint(ctx: RunContext, step: Step): Promise<void> {
  const fp = await stepFingerprint(step, ctx.opts.paths.workspace)
  if ('error' in fp) await ctx.note(`its inputs could not be fingerprinted (${fp.error}): --resume runs it again`, 'warn', step.id)
  else await ctx.record.inputsTaken(step, fp)
}

/** After the block passed: its paths into the cache. A refusal (mounts below, a path missing) leaves it passed. */
async function store(ctx: RunContext, step: Step, key: string): Promise<void> {
  try {
    const request = { key, workspace: ctx.opts.paths.workspace, paths: step.cache!, step: step.id, version: ctx.cache!.version }
    const { stored, meta } = await storePaths(ctx.cache!.dir, request)
    const words = stored ? `stored in the block cache as ${short(key)} (${formatSize(meta.size)})` : `already in the block cache as ${short(key)}`
    await ctx.note(words, 'info', step.id)
  } catch (error) {
    const why = error instanceof CacheError ? error.message : `the store failed: ${(error as Error).message}`
    await ctx.note(`not stored in the block cache: ${why}`, 'warn', step.id)
  }
}
