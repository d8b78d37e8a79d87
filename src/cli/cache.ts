// `docrun cache key|ls|prune`: the block cache from the command line (a CI cache step keys on
// `docrun cache key`). Arguments only; the work is in src/cache.
import type { Command } from 'commander'
import { Option } from 'commander'
import { resolve } from 'node:path'
import { cacheKeys, defaultCacheDir, formatSize, listEntries, parseSize, pruneEntries, type CacheEntry } from '../cache/index.js'
import { parseDuration } from '../common/durations.js'
import { EXIT } from '../common/exit-codes.js'
import { PlanError } from '../plan/plan.js'
import { fingerprintInputs, inputDigests } from '../run/inputs-now.js'
import { CliError, loadForRun, parseSets } from './load.js'

const cacheDirOption = () => new Option('--cache-dir <dir>', 'the block cache (default: $XDG_CACHE_HOME/docrun/blocks, i.e. ~/.cache/docrun/blocks)')
const dirOf = (opts: { cacheDir?: string }) => resolve(opts.cacheDir ?? defaultCacheDir())
const out = (line: string) => process.stdout.write(`${line}\n`)

async function keyCommand(runbook: string, opts: { set?: string[]; json?: boolean; workspace?: string }): Promise<number> {
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

async function lsCommand(opts: { cacheDir?: string; json?: boolean }): Promise<number> {
  const entries = await listEntries(dirOf(opts))
  if (opts.json) out(JSON.stringify(entries.map((e) => ({ ...e.meta, lastUsed: new Date(e.lastUsed).toISOString() })), null, 2))
  else {
    for (const e of entries) out(entryLine(e))
    out(`${entries.length} entries, ${formatSize(entries.reduce((n, e) => n + e.meta.size, 0))} in ${dirOf(opts)}`)
  }
  return EXIT.ok
}

async function pruneCommand(opts: { cacheDir?: string; maxSize?: string; olderThan?: string }): Promise<number> {
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

/** The subcommands of `docrun cache` (main.ts makes the command, so it inherits the program's settings). */
export function cacheCommands(cache: Command, collect: (value: string, prev?: string[]) => string[]): Command {
  cache.description('the block cache shared by workspaces ({cache=PATHS} blocks): keys, entries, pruning')
  cache
    .command('key')
    .description('print the cache key of every {cache=…} block (`block-id key` lines), e.g. for a CI cache step')
    .argument('<runbook>')
    .option('--set <key=value>', 'override a param (repeatable)', collect)
    .option('--json', 'print as JSON')
    .option('-w, --workspace <dir>', 'where the blocks\' inputs= paths are fingerprinted (default: current directory)')
    .addOption(cacheDirOption())
    .action(async (runbook: string, opts) => {
      process.exitCode = await keyCommand(runbook, opts)
    })
  cache.command('ls').description('list the entries: key, size, made when and where, last used, paths')
    .addOption(cacheDirOption()).option('--json', 'print as JSON')
    .action(async (opts) => {
      process.exitCode = await lsCommand(opts)
    })
  cache.command('prune').description('remove entries: least recently used first down to --max-size, and those unused for --older-than')
    .addOption(cacheDirOption())
    .option('--max-size <size>', 'keep at most this much (10G, 500M)')
    .option('--older-than <duration>', 'remove entries not used for this long (30d)')
    .action(async (opts) => {
      process.exitCode = await pruneCommand(opts)
    })
  return cache
}
