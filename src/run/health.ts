// The kernel's health and the tests' known failures, as the run judges them: splats the guests'
// consoles printed while a block ran fail it unless the runbook's allow-splats expects them, and
// test reports honour the runbook's known-failures lists (DENYLIST files).
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { applyAllowList } from '../checks/splats.js'
import { parseDenylist, type KnownList } from '../checks/known.js'
import type { Splat } from '../events/events.js'
import type { Step } from '../plan/types.js'
import type { RunContext } from './context.js'

/** The splats charged to the block that just ran, and the failure they make, if any is not allowed. */
export function judgeSplats(ctx: RunContext, step: Step): { found: Splat[]; failure?: string } {
  const allow = (ctx.opts.plan.allowSplats ?? []).map((a) => ({ pattern: new RegExp(a.pattern, 'u'), reason: a.reason }))
  const found = applyAllowList(ctx.pool.takeSplats(), allow)
  for (const s of found.filter((x) => x.allowed)) void ctx.note(`guest ${s.guest}'s kernel reported \`${s.title}\` (allowed: ${s.allowed})`, 'info', step.id)
  const bad = found.filter((s) => !s.allowed)
  if (!bad.length) return { found }
  const more = bad.length > 1 ? ` and ${bad.length - 1} more` : ''
  return {
    found,
    failure: `guest ${bad[0]!.guest}'s kernel reported ${bad[0]!.kind}: ${bad[0]!.title}${more} (allow it with allow-splats: in the front matter)`,
  }
}

/** The runbook's known-failure lists: its own names and the DENYLIST files it names (read now: a build may make them). */
export async function knownLists(ctx: RunContext): Promise<KnownList[]> {
  const knownFailures = ctx.opts.plan.knownFailures ?? { lists: [], tests: [] }
  const lists: KnownList[] = knownFailures.tests.length ? [{ source: 'the runbook', entries: knownFailures.tests }] : []
  for (const raw of knownFailures.lists) {
    const path = raw.replace(/\$\{?([A-Za-z_][A-Za-z0-9_]*)\}?/g, (m, name: string) => ctx.params[name] ?? m)
    const text = await readFile(resolve(ctx.opts.paths.workspace, path), 'utf8').catch(() => undefined)
    if (text === undefined) await ctx.note(`known-failures: cannot read ${path} (it is not there yet?)`, 'warn')
    else lists.push({ source: path, entries: parseDenylist(text) })
  }
  return lists
}
