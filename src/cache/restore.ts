// The workspace side of the block cache: store a block's paths, and put them back in another
// workspace. A restore replaces what is there, so it never deletes through a mount point (a
// chroot with /dev bound is the host's /dev). Where nothing is mounted below the paths they are
// unpacked beside the workspace's paths first, then swapped in, so a failed unpack leaves the
// workspace as it was. Where something is (a chroot whose mounts an earlier block made), what
// the paths hold on their own file system is stored, and a restore unpacks over them there,
// beneath the mounts (archive.ts, TarView): nothing is deleted and no mount is touched.
import { lstat, mkdir, mkdtemp, realpath, rename, rm } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { isWithin, mountsBelow, readMounts } from '../sys/mountinfo.js'
import { extractArchive } from './archive.js'
import { CacheError, markUsed, openVerified, writeEntry, type CacheMeta, type StoreRequest, type StoreResult } from './store.js'

/**
 * Check each workspace-relative path: it stays inside the workspace (no `..`, no symlinked
 * parent leading out) and is not itself a mount point. Throws CacheError saying why; returns
 * whether anything is mounted below any of them.
 */
export async function checkPaths(workspace: string, paths: string[]): Promise<{ mountsBelow: boolean }> {
  const ws = await realpath(workspace)
  const mounts = await readMounts()
  let below = false
  for (const p of paths) {
    const abs = resolve(ws, p)
    if (abs === ws || !isWithin(abs, ws)) throw new CacheError(`cache path ${p} is not inside the workspace`)
    const parent = await realpath(dirname(abs)).catch(() => undefined)
    if (parent !== undefined && !isWithin(parent, ws)) throw new CacheError(`cache path ${p} leads out of the workspace (through a symlink to ${parent})`)
    const here = parent === undefined ? abs : join(parent, basename(abs))
    const found = mountsBelow(mounts, here)
    // A path that is a mount point holds another file system's files: they are not the block's to cache.
    if (found.includes(here)) throw new CacheError(`cache path ${p} is a mount point (${here}): what is mounted there is not cached`)
    below ||= found.length > 0
  }
  return { mountsBelow: below }
}

/** After the block passed: its paths into the store (they must exist; what is mounted below them stays out). */
export async function storePaths(dir: string, req: StoreRequest): Promise<StoreResult> {
  const { mountsBelow } = await checkPaths(req.workspace, req.paths)
  for (const p of req.paths) {
    if (
      !(await lstat(resolve(req.workspace, p)).then(
        () => true,
        () => false,
      ))
    )
      throw new CacheError(`cache path ${p} does not exist after the block`)
  }
  return writeEntry(dir, { ...req, workspace: await realpath(req.workspace), beneathMounts: mountsBelow })
}

export type RestoreResult =
  /** `beneathMounts`: unpacked over what was there, below the mounts (nothing deleted). */
  | { status: 'restored'; meta: CacheMeta; beneathMounts: boolean }
  /** No entry; `reason` when one was there but corrupt (it was removed) or could not be unpacked. */
  | { status: 'miss'; reason?: string }
  /** An entry is there but the workspace cannot take it (a path is a mount point, leads out): nothing changed. */
  | { status: 'refused'; reason: string }

/** Put the entry's paths into the workspace, replacing what is there. */
export async function restorePaths(dir: string, key: string, workspace: string): Promise<RestoreResult> {
  const opened = await openVerified(dir, key)
  if (!opened.ok) return { status: 'miss', ...(opened.reason ? { reason: opened.reason } : {}) }
  const { meta, handle } = opened.entry
  const ws = await realpath(workspace)
  let staging: string | undefined
  let beneathMounts = false
  try {
    beneathMounts = (await checkPaths(ws, meta.paths)).mountsBelow
    const archive = handle.createReadStream({ start: 0, autoClose: false })
    if (beneathMounts) await extractArchive(archive, { dir: ws, beneathMounts }, meta.compression)
    else {
      staging = await mkdtemp(join(ws, '.docrun-restore-'))
      await extractArchive(archive, { dir: staging }, meta.compression)
      for (const p of meta.paths) await swapIn(ws, staging, p)
    }
  } catch (error) {
    if (error instanceof CacheError) return { status: 'refused', reason: error.message }
    // The disk filled, tar failed: what was unpacked is thrown away; running the block makes it again.
    return { status: 'miss', reason: `cache entry ${key} could not be restored: ${(error as Error).message}` }
  } finally {
    await handle.close()
    if (staging) await rm(staging, { recursive: true, force: true })
  }
  await markUsed(dir, key)
  return { status: 'restored', meta, beneathMounts }
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
  if ((await checkPaths(ws, [p])).mountsBelow) throw new CacheError(`cache path ${p} got mounts below it during the restore`)
  const to = resolve(ws, p)
  await rm(to, { recursive: true, force: true })
  await mkdir(dirname(to), { recursive: true })
  await rename(from, to)
}
