// `docrun cache key|ls|prune`: the block cache from the command line (a CI cache step keys on
// `docrun cache key`). Arguments only; the work is in src/cache.
import { resolve } from 'node:path'
import { cacheKeys, defaultCacheDir, formatSize, listEntries, parseSize, pruneEntries, type CacheEntry } from '../cache/index.js'
import { parseDuration } from '../common/durations.js'
import { EXIT } from '../common/exit-codes.js'
import { PlanError } from '../plan/plan.js'
import { fingerprintInputs, inputDigests } from '../run/inputs-now.js'
import { CliError, loadForRun, parseSets } from './load.js'

const dirOf = (opts: { cacheDir?: string }) => resolve(opts.cacheDir ?? defaultCacheDir())
const out = (line: string) => process.stdout.write(`${line}\n`)

export async function keyCommand(runbook: string, opts: { set?: string[]; json?: boolean; workspace?: string }): Promise<number> {
  let keys
  try {
    const { plan } = await loadForRun(runbook, { sets: parseSets(opts.set) })
    // The fingerprints of `inputs=` that exist in the workspace now (those that do not yet are left out, as in a run that makes them).
    const inputs = inputDigests(await fingerprintInputs(plan, resolve(opts.workspace ?? process.cwd())))
    keys = cacheKeys(plan, { inputs })
  } catch (error) {
    if (error instanceof PlanError) throw new CliError(error.message)
    throw error
  }
  if (opts.json) out(JSON.stringify(keys, null, 2))
  else for (const k of keys) out(`${k.id} ${k.key}`)
  return EXIT.ok
}

function entryLine(e: CacheEntry): string {
  const m = e.meta
  const minute = (iso: string) => iso.slice(0, 16).replace('T', ' ')
  const made = `made ${minute(m.created)} on ${m.host}`
  const used = `used ${minute(new Date(e.lastUsed).toISOString())}`
  return `${m.key.slice(0, 16)}  ${formatSize(m.size).padStart(9)}  ${made}  ${used}  ${m.step ? `${m.step}: ` : ''}${m.paths.join(' ')}`
}

export async function lsCommand(opts: { cacheDir?: string; json?: boolean }): Promise<number> {
  const entries = await listEntries(dirOf(opts))
  if (opts.json)
    out(
      JSON.stringify(
        entries.map((e) => ({ ...e.meta, lastUsed: new Date(e.lastUsed).toISOString() })),
        null,
        2,
      ),
    )
  else {
    for (const e of entries) out(entryLine(e))
    out(`${entries.length} entries, ${formatSize(entries.reduce((n, e) => n + e.meta.size, 0))} in ${dirOf(opts)}`)
  }
  return EXIT.ok
}

export async function pruneCommand(opts: { cacheDir?: string; maxSize?: string; olderThan?: string }): Promise<number> {
  if (opts.maxSize === undefined && opts.olderThan === undefined) throw new CliError('docrun cache prune: give --max-size SIZE and/or --older-than DURATION')
  const maxSize = opts.maxSize === undefined ? undefined : parseSize(opts.maxSize)
  if (opts.maxSize !== undefined && maxSize === undefined) throw new CliError(`--max-size ${opts.maxSize}: expected a size such as 10G, 500M or 4096`)
  const olderThanMs = opts.olderThan === undefined ? undefined : parseDuration(opts.olderThan)
  if (opts.olderThan !== undefined && olderThanMs === undefined) throw new CliError(`--older-than ${opts.olderThan}: expected a duration such as 30d or 12h`)
  const limits = { ...(maxSize !== undefined ? { maxSize } : {}), ...(olderThanMs !== undefined ? { olderThanMs } : {}) }
  const { removed, kept } = await pruneEntries(dirOf(opts), limits)
  const total = (list: CacheEntry[]) => formatSize(list.reduce((n, e) => n + e.meta.size, 0))
  for (const e of removed) out(`removed ${entryLine(e)}`)
  out(`removed ${removed.length} (${total(removed)}), kept ${kept.length} (${total(kept)})`)
  return EXIT.ok
}
