// The block cache's entries: `<dir>/<key[0:2]>/<key>/` holding the archive, `meta.json` and a
// `used` file whose mtime is the last use. Entries are immutable once in place: written into a
// temporary directory inside the cache dir, fsynced, then renamed into place in one step, so
// runs sharing a cache dir never see half an entry. Two runs storing one key both succeed and
// the first rename wins. A read checks the archive's sha256 before anything is unpacked.
import { createHash } from 'node:crypto'
import { createReadStream } from 'node:fs'
import { mkdir, mkdtemp, open, readFile, rename, rm, stat, utimes, writeFile, type FileHandle } from 'node:fs/promises'
import { homedir, hostname } from 'node:os'
import { join } from 'node:path'
import { archiveName, createArchive, pickCompression, type Compression } from './archive.js'

export const ENTRY_FORMAT = 1

export interface CacheMeta {
  format: number
  key: string
  /** Workspace-relative paths the archive holds. */
  paths: string[]
  /** ISO date the entry was made. */
  created: string
  host: string
  version: string
  /** The block it was made by (informational: the key decides). */
  step?: string
  compression: Compression
  archive: string
  /** Archive size in bytes. */
  size: number
  sha256: string
}

/** Why something could not be stored or restored, in words for the transcript. */
export class CacheError extends Error {}

/** `$XDG_CACHE_HOME/docrun/blocks`, else `~/.cache/docrun/blocks`. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CACHE_HOME && env.XDG_CACHE_HOME.startsWith('/') ? env.XDG_CACHE_HOME : join(homedir(), '.cache')
  return join(base, 'docrun', 'blocks')
}

export function entryDir(dir: string, key: string): string {
  if (!/^[0-9a-f]{64}$/.test(key)) throw new CacheError(`not a cache key: ${key}`)
  return join(dir, key.slice(0, 2), key)
}

/** Where entries are made and thrown away: inside the cache dir, so renames stay on one file system. */
function scratchDir(dir: string): string {
  return join(dir, '.tmp')
}

/** The entry's metadata, or undefined when there is no (complete, readable) entry. */
export async function readMeta(dir: string, key: string): Promise<CacheMeta | undefined> {
  const text = await readFile(join(entryDir(dir, key), 'meta.json'), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  try {
    const meta = JSON.parse(text) as CacheMeta
    return meta.key === key && typeof meta.sha256 === 'string' ? meta : undefined
  } catch {
    return undefined
  }
}

export interface StoreRequest {
  key: string
  /** Absolute workspace the paths are relative to (already checked by the caller: see restore.ts). */
  workspace: string
  paths: string[]
  /** Archive what the paths hold on their own file system, not what is mounted below them (archive.ts). */
  beneathMounts?: boolean
  step?: string
  /** docrun's version, recorded in meta.json (src/version.ts reads package.json: the caller passes it). */
  version?: string
}

export interface StoreResult {
  /** False when an entry with this key was already there (it is kept, and counts as used). */
  stored: boolean
  meta: CacheMeta
}

/** Archive the paths into a new entry; atomic, first writer wins. */
export async function writeEntry(dir: string, req: StoreRequest): Promise<StoreResult> {
  const final = entryDir(dir, req.key)
  const existing = await readMeta(dir, req.key)
  if (existing) {
    await markUsed(dir, req.key)
    return { stored: false, meta: existing }
  }
  await mkdir(scratchDir(dir), { recursive: true })
  const tmp = await mkdtemp(join(scratchDir(dir), 'store-'))
  try {
    const compression = await pickCompression()
    const archive = archiveName(compression)
    await createArchive({ dir: req.workspace, beneathMounts: req.beneathMounts === true }, req.paths, join(tmp, archive), compression)
    const { size, sha256 } = await digestFile(join(tmp, archive))
    await syncFile(join(tmp, archive))
    const meta: CacheMeta = {
      format: ENTRY_FORMAT,
      key: req.key,
      paths: req.paths,
      created: new Date().toISOString(),
      host: hostname(),
      version: req.version ?? 'unknown',
      ...(req.step ? { step: req.step } : {}),
      compression,
      archive,
      size,
      sha256,
    }
    await writeSynced(join(tmp, 'meta.json'), `${JSON.stringify(meta, null, 2)}\n`)
    await writeSynced(join(tmp, 'used'), '')
    await syncDir(tmp)
    await mkdir(join(final, '..'), { recursive: true })
    if (!(await renameUnlessThere(tmp, final))) {
      const other = await readMeta(dir, req.key)
      if (other) return { stored: false, meta: other }
      throw new CacheError(`cache entry ${req.key} appeared incomplete while storing`)
    }
    await syncDir(join(final, '..'))
    return { stored: true, meta }
  } finally {
    await rm(tmp, { recursive: true, force: true })
  }
}

/** rename(2) a finished directory into place; false when another writer got there first. */
async function renameUnlessThere(from: string, to: string): Promise<boolean> {
  try {
    await rename(from, to)
    return true
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOTEMPTY' || code === 'EEXIST') return false
    throw error
  }
}

export interface OpenEntry {
  meta: CacheMeta
  /** The archive, open: its bytes were verified, and stay readable even if the entry is pruned meanwhile. */
  handle: FileHandle
}

export type OpenResult = { ok: true; entry: OpenEntry } | { ok: false; reason?: string }

/**
 * Open an entry for unpacking after checking its archive against meta.json's sha256. A missing
 * entry is a plain miss; a corrupt one is removed and reported (`reason`), then also a miss.
 */
export async function openVerified(dir: string, key: string): Promise<OpenResult> {
  const at = entryDir(dir, key)
  const metaExists = await stat(join(at, 'meta.json')).then(
    () => true,
    () => false,
  )
  const meta = await readMeta(dir, key)
  if (!meta) {
    if (!metaExists) return { ok: false }
    await removeEntry(dir, key)
    return { ok: false, reason: `cache entry ${key} is corrupt (unreadable meta.json): removed` }
  }
  const handle = await open(join(at, meta.archive), 'r').catch(() => undefined)
  if (!handle) {
    await removeEntry(dir, key)
    return { ok: false, reason: `cache entry ${key} is corrupt (no ${meta.archive}): removed` }
  }
  const { size, sha256 } = await digestStream(handle.createReadStream({ start: 0, autoClose: false }))
  if (sha256 !== meta.sha256 || size !== meta.size) {
    await handle.close()
    await removeEntry(dir, key)
    const found = `archive sha256 ${sha256.slice(0, 12)}…, ${size} bytes`
    return { ok: false, reason: `cache entry ${key} is corrupt (${found}; meta.json says ${meta.sha256.slice(0, 12)}…, ${meta.size} bytes): removed` }
  }
  return { ok: true, entry: { meta, handle } }
}

/**
 * Take an entry out of the store: renamed away first (readers and writers see it gone at
 * once), then deleted. Gone already is fine: another run removed it.
 */
export async function removeEntry(dir: string, key: string): Promise<void> {
  await mkdir(scratchDir(dir), { recursive: true })
  const trash = await mkdtemp(join(scratchDir(dir), 'trash-'))
  try {
    await rename(entryDir(dir, key), join(trash, key))
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
  }
  await rm(trash, { recursive: true, force: true })
}

/** Record a use (the `used` file's mtime): prune removes the least recently used first. */
export async function markUsed(dir: string, key: string): Promise<void> {
  const file = join(entryDir(dir, key), 'used')
  const now = new Date()
  await utimes(file, now, now).catch(() => writeFile(file, '').catch(() => undefined))
}

async function digestFile(path: string): Promise<{ size: number; sha256: string }> {
  return digestStream(createReadStream(path))
}

async function digestStream(stream: NodeJS.ReadableStream): Promise<{ size: number; sha256: string }> {
  const hash = createHash('sha256')
  let size = 0
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    hash.update(chunk)
    size += chunk.length
  }
  return { size, sha256: hash.digest('hex') }
}

async function writeSynced(path: string, text: string): Promise<void> {
  await writeFile(path, text)
  await syncFile(path)
}

async function syncFile(path: string): Promise<void> {
  const h = await open(path, 'r')
  try {
    await h.sync()
  } finally {
    await h.close()
  }
}

async function syncDir(path: string): Promise<void> {
  await syncFile(path)
}
