// The workspace side of the block cache: store a block's paths, and put them back in another
// workspace. A restore replaces what is there, so it never deletes through a mount point (a
// chroot with /dev bound is the host's /dev): a path with anything mounted at or below it is
// refused, and the paths are unpacked beside the workspace's paths first, then swapped in, so a
// failed unpack leaves the workspace as it was.
import { lstat, mkdir, mkdtemp, realpath, rename, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { isWithin, mountsBelow, readMounts } from '../sys/mountinfo.js'
import { extractArchive } from './archive.js'
import { CacheError, markUsed, openVerified, writeEntry, type CacheMeta, type StoreRequest, type StoreResult } from './store.js'

/**
 * Check each workspace-relative path: it stays inside the workspace (no `..`, no symlinked
 * parent leading out) and nothing is mounted at or below it. Throws CacheError saying why.
 */
export async function checkPaths(workspace: string, paths: string[]): Promise<void> {
  const ws = await realpath(workspace)
  const mounts = await readMounts()
  for (const p of paths) {
    const abs = resolve(ws, p)
    if (abs === ws || !isWithin(abs, ws)) throw new CacheError(`cache path ${p} is not inside the workspace`)
    const parent = await realpath(dirname(abs)).catch(() => undefined)
    if (parent !== undefined && !isWithin(parent, ws)) throw new CacheError(`cache path ${p} leads out of the workspace (through a symlink to ${parent})`)
    const below = mountsBelow(mounts, parent === undefined ? abs : join(parent, basename(abs)))
    if (below.length) {
      throw new CacheError(`cache path ${p} has mounts at or below it (${below.slice(0, 3).join(', ')}${below.length > 3 ? ', …' : ''}): unmount them first`)
    }
  }
}

/** After the block passed: its paths into the store (they must exist; mounts unmounted first). */
export async function storePaths(dir: string, req: StoreRequest): Promise<StoreResult> {
  await checkPaths(req.workspace, req.paths)
  for (const p of req.paths) {
    if (
      !(await lstat(resolve(req.workspace, p)).then(
        () => true,
        () => false,
      ))
    )
      throw new CacheError(`cache path ${p} does not exist after the block`)
  }
  return writeEntry(dir, { ...req, workspace: await realpath(req.workspace) })
}

export type RestoreResult =
  | { status: 'restored'; meta: CacheMeta }
  /** No entry; `reason` when one was there but corrupt (it was removed) or could not be unpacked. */
  | { status: 'miss'; reason?: string }
  /** An entry is there but the workspace cannot take it (mounts below a path): nothing changed. */
  | { status: 'refused'; reason: string }

/** Put the entry's paths into the workspace, replacing what is there. */
export async function restorePaths(dir: string, key: string, workspace: string): Promise<RestoreResult> {
  const opened = await openVerified(dir, key)
  if (!opened.ok) return { status: 'miss', ...(opened.reason ? { reason: opened.reason } : {}) }
  const { meta, handle } = opened.entry
  const ws = await realpath(workspace)
  let staging: string | undefined
  try {
    await checkPaths(ws, meta.paths)
    staging = await mkdtemp(join(ws, '.docrun-restore-'))
    await extractArchive(handle.createReadStream({ start: 0, autoClose: false }), staging, meta.compression)
    for (const p of meta.paths) await swapIn(ws, staging, p)
  } catch (error) {
    if (error instanceof CacheError) return { status: 'refused', reason: error.message }
    // The disk filled, tar failed: what was unpacked is thrown away; running the block makes it again.
    return { status: 'miss', reason: `cache entry ${key} could not be restored: ${(error as Error).message}` }
  } finally {
    await handle.close()
    if (staging) await rm(staging, { recursive: true, force: true })
  }
  await markUsed(dir, key)
  return { status: 'restored', meta }
}

/** Replace ws/p with staging/p; mounts are checked again right before the delete. */
async function swapIn(ws: string, staging: string, p: string): Promise<void> {
  const from = join(staging, p)
  if (
    !(await lstat(from).then(
      () => true,
      () => false,
    ))
  )
    throw new CacheError(`cache entry does not hold ${p}`)
  await checkPaths(ws, [p])
  const to = resolve(ws, p)
  await rm(to, { recursive: true, force: true })
  await mkdir(dirname(to), { recursive: true })
  await rename(from, to)
}
