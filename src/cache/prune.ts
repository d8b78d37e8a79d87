// Listing and pruning the block cache: by total size (least recently used first, by the `used`
// file's mtime) and by age of last use. Removal goes through removeEntry, so a run restoring an
// entry at the same moment keeps reading the archive it already opened.
import { readdir, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { entryDir, readMeta, removeEntry, type CacheMeta } from './store.js'

export interface CacheEntry {
  meta: CacheMeta
  /** Last restore or store, ms since the epoch. */
  lastUsed: number
}

/** Every complete entry, most recently used first. */
export async function listEntries(dir: string): Promise<CacheEntry[]> {
  const out: CacheEntry[] = []
  for (const shard of await readdir(dir).catch(() => [] as string[])) {
    if (!/^[0-9a-f]{2}$/.test(shard)) continue
    for (const key of await readdir(join(dir, shard)).catch(() => [] as string[])) {
      const meta = /^[0-9a-f]{64}$/.test(key) ? await readMeta(dir, key) : undefined
      if (!meta) continue
      const used = await stat(join(entryDir(dir, key), 'used')).catch(() => undefined)
      out.push({ meta, lastUsed: used?.mtimeMs ?? Date.parse(meta.created) })
    }
  }
  return out.sort((a, b) => b.lastUsed - a.lastUsed)
}

export interface PruneOptions {
  /** Keep the total archive size at or under this many bytes. */
  maxSize?: number
  /** Remove entries last used longer ago than this (ms). */
  olderThanMs?: number
  now?: number
}

/** Remove entries: unused for too long first, then least recently used until under maxSize. */
export async function pruneEntries(dir: string, opts: PruneOptions): Promise<{ removed: CacheEntry[]; kept: CacheEntry[] }> {
  const now = opts.now ?? Date.now()
  const entries = await listEntries(dir)
  const removed: CacheEntry[] = []
  let kept = entries
  if (opts.olderThanMs !== undefined) {
    removed.push(...kept.filter((e) => now - e.lastUsed > opts.olderThanMs!))
    kept = kept.filter((e) => now - e.lastUsed <= opts.olderThanMs!)
  }
  if (opts.maxSize !== undefined) {
    let total = kept.reduce((n, e) => n + e.meta.size, 0)
    // kept is most recently used first: drop from the end.
    while (kept.length && total > opts.maxSize) {
      const e = kept[kept.length - 1]!
      kept = kept.slice(0, -1)
      removed.push(e)
      total -= e.meta.size
    }
  }
  for (const e of removed) await removeEntry(dir, e.meta.key)
  await sweepScratch(dir, now)
  return { removed, kept }
}

/** Left-over temporary directories of runs that died while storing (older than a day). */
async function sweepScratch(dir: string, now: number): Promise<void> {
  const scratch = join(dir, '.tmp')
  for (const name of await readdir(scratch).catch(() => [] as string[])) {
    const s = await stat(join(scratch, name)).catch(() => undefined)
    if (s && now - s.mtimeMs > 86_400_000) await rm(join(scratch, name), { recursive: true, force: true })
  }
}

const SIZE_UNITS: Record<string, number> = { '': 1, k: 2 ** 10, m: 2 ** 20, g: 2 ** 30, t: 2 ** 40 }

/** `10G`, `500M`, `1.5g`, `2GiB`, `4096` → bytes (binary units); undefined when not a size. */
export function parseSize(text: string): number | undefined {
  const m = /^(\d+(?:\.\d+)?)\s*([kmgt]?)(?:i?b)?$/i.exec(text.trim())
  if (!m) return undefined
  return Math.floor(Number(m[1]) * SIZE_UNITS[m[2]!.toLowerCase()]!)
}

export function formatSize(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB']
  let n = bytes
  let i = 0
  while (n >= 1024 && i < units.length - 1) {
    n /= 1024
    i++
  }
  return i === 0 ? `${n} B` : `${n.toFixed(n < 10 ? 1 : 0)} ${units[i]}`
}
