// The resource ledger: mounts and loop devices that a run's blocks created, read from the
// kernel before and after each block. Teardown works from these facts, innermost first.
import { existsSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { rm } from 'node:fs/promises'
// execa on first use (awaited calls only): commands that only read a workspace never load it.
import { execaWhenUsed as execa } from '../common/load-execa.js'
import { isRunning, processStartTime, readStat, sessionGroups, sessionsFrom } from '../sys/proc.js'
import { isWithin, readLoops, readMounts, type LoopDevice, type MountEntry } from './mountinfo.js'
import { mountsBelow } from './guard.js'
import { endRemoteSession, type RemoteRecord } from './remote.js'

/** Every entry says which block made it; `cleaned` marks a kept one `docrun clean` removed. */
interface Made {
  block: string
  runId: string
  keep: boolean
  /** When `docrun clean` removed it: the entry stays so its block makes it again when needed. */
  cleaned?: string
}

export type Resource =
  | ({ kind: 'mount'; mountPoint: string; fsType: string; source: string; mountId: number } & Made)
  | ({ kind: 'loop'; device: string; backFile: string } & Made)
  /** A process group docrun started that outlives a block (a guest's QEMU). */
  | ({ kind: 'process'; pid: number; startTime: string; description: string } & Made)
  /** A temporary directory docrun made for a target (its shell's uploads). */
  | ({ kind: 'dir'; path: string; description: string } & Made)
  /** A shell session on a remote host (an SSH target): ended over a new connection when docrun could not. */
  | ({ kind: 'remote' } & RemoteRecord & Made)

export interface Probe {
  mounts: MountEntry[]
  loops: LoopDevice[]
}

/** What a block was about to run against: kept in the state while it runs, for crash recovery. */
export interface PendingProbe {
  block: string
  runId: string
  keep: boolean
  /** Mounts present before the block, as `id\0mountPoint`: the kernel reuses mount ids. */
  mounts?: string[]
  /** Older state files: the highest mount id before the block. */
  maxMountId?: number
  loops: string[]
}

const mountKey = (m: { id: number; mountPoint: string }) => `${m.id}\0${m.mountPoint}`

export async function probe(): Promise<Probe> {
  const [mounts, loops] = await Promise.all([readMounts(), readLoops()])
  return { mounts, loops }
}

export function pendingFrom(p: Probe, block: string, runId: string, keep: boolean): PendingProbe {
  return { block, runId, keep, mounts: p.mounts.map(mountKey), loops: p.loops.map((l) => `${l.name}\0${l.backFile}`) }
}

/** Is this recorded mount still the one mounted (same id at the same place)? Ids alone are reused. */
export function stillMounted(r: Extract<Resource, { kind: 'mount' }>, current: MountEntry[]): boolean {
  return current.some((c) => c.id === r.mountId && c.mountPoint === r.mountPoint)
}

/** Resources present now that were not there at `before`. */
export function diff(before: PendingProbe, after: Probe): Resource[] {
  const out: Resource[] = []
  const had = before.mounts ? new Set(before.mounts) : undefined
  for (const m of after.mounts) {
    if (had ? !had.has(mountKey(m)) : m.id > (before.maxMountId ?? Infinity))
      out.push({
        kind: 'mount',
        mountPoint: m.mountPoint,
        fsType: m.fsType,
        source: m.source,
        mountId: m.id,
        block: before.block,
        runId: before.runId,
        keep: before.keep,
      })
  }
  const hadLoops = new Set(before.loops)
  for (const l of after.loops) {
    if (!hadLoops.has(`${l.name}\0${l.backFile}`))
      out.push({ kind: 'loop', device: l.name, backFile: l.backFile, block: before.block, runId: before.runId, keep: before.keep })
  }
  return out
}

/**
 * Another docrun workspace, if `path` lies in one: what appears there while our block runs (a
 * concurrent run's mounts, its loop files, or what a dead run left) is that workspace's
 * business — its own runs and `docrun clean` track it — not ours.
 */
export function otherWorkspace(path: string, mine: string): string | undefined {
  for (let dir = path; dir !== dirname(dir); dir = dirname(dir)) {
    if (dir === mine) return undefined
    if (existsSync(join(dir, '.docrun', 'state')) || existsSync(join(dir, '.docrun', 'lock'))) return dir
  }
  return undefined
}

/**
 * New mounts that propagate (shared peer groups, as on systemd hosts) become slaves, so that
 * unmounting them later can never unmount the host's own submounts (/dev/pts, /dev/shm).
 */
export async function isolateShared(created: Resource[], now: Probe): Promise<string[]> {
  const done: string[] = []
  const ids = new Set(created.filter((r) => r.kind === 'mount').map((r) => (r as { mountId: number }).mountId))
  for (const m of now.mounts) {
    if (!ids.has(m.id) || ids.has(m.parent)) continue
    if (!m.propagation.some((p) => p.startsWith('shared:'))) continue
    const r = await execa('mount', ['--make-rslave', m.mountPoint], { reject: false })
    if (r.exitCode === 0) done.push(m.mountPoint)
  }
  return done
}

/** What teardown did with one resource: removed, found gone already, or failed (why, in words). */
export interface TeardownResult {
  resource: Resource
  ok: boolean
  /** What was done or what went wrong; absent when it was gone already. */
  message?: string
}

/** End processes (they may hold images and mounts), unmount (deepest first), then detach loops. Only what is still there as recorded. */
export async function teardown(resources: Resource[]): Promise<TeardownResult[]> {
  const results: TeardownResult[] = []
  const of = <K extends Resource['kind']>(kind: K) => resources.filter((r): r is Extract<Resource, { kind: K }> => r.kind === kind)
  for (const p of of('process')) results.push(await endProcess(p))
  for (const r of of('remote')) results.push({ resource: r, ...(await endRemoteSession(r)) })
  const mounts = of('mount').sort((a, b) => b.mountPoint.split('/').length - a.mountPoint.split('/').length || b.mountId - a.mountId)
  for (const m of mounts) results.push(await unmount(m))
  for (const d of of('dir')) results.push(await removeDir(d))
  const loops = of('loop')
  const attached = loops.length ? await readLoops() : []
  for (const l of loops) results.push(await detachLoop(l, attached))
  return results
}

/** The results that failed, in words (for messages). */
export const failures = (results: TeardownResult[]): string[] => results.filter((r) => !r.ok).map((r) => r.message ?? describe(r.resource))
/** The results that removed something, in words. */
export const removals = (results: TeardownResult[]): string[] => results.filter((r) => r.ok && r.message).map((r) => r.message!)

async function endProcess(p: Extract<Resource, { kind: 'process' }>): Promise<TeardownResult> {
  // Only the process we started: same pid and the same kernel start time.
  if (processStartTime(p.pid) !== p.startTime) return { resource: p, ok: true }
  if (await endProcessGroup(p.pid)) return { resource: p, ok: true, message: `ended ${p.description} (pid ${p.pid})` }
  return { resource: p, ok: false, message: `${p.description} (pid ${p.pid}) would not end` }
}

async function unmount(m: Extract<Resource, { kind: 'mount' }>): Promise<TeardownResult> {
  const current = await readMounts()
  // Only the mount we recorded (same id at the same place): the kernel hands a freed id to
  // the next mount, which may be anyone's.
  if (!stillMounted(m, current)) return { resource: m, ok: true }
  const below = current.filter((c) => c.id !== m.mountId && isWithin(c.mountPoint, m.mountPoint) && c.mountPoint !== m.mountPoint)
  for (const b of below.sort((x, y) => y.mountPoint.length - x.mountPoint.length)) {
    // Submounts that came with an rbind: unmount them first, never recursively through a shared mount.
    const r = await execa('umount', [b.mountPoint], { reject: false })
    if (r.exitCode !== 0) await execa('umount', ['-l', b.mountPoint], { reject: false })
  }
  let r = await execa('umount', [m.mountPoint], { reject: false })
  if (r.exitCode !== 0) r = await execa('umount', ['-l', m.mountPoint], { reject: false })
  if (r.exitCode === 0) return { resource: m, ok: true, message: `umount ${m.mountPoint}` }
  return { resource: m, ok: false, message: `umount ${m.mountPoint}: ${r.stderr.trim()}` }
}

async function removeDir(d: Extract<Resource, { kind: 'dir' }>): Promise<TeardownResult> {
  if (!existsSync(d.path)) return { resource: d, ok: true }
  // Never through a mount (a chroot's /dev after rbind): say so and leave it.
  if ((await mountsBelow(d.path)).length) return { resource: d, ok: false, message: `rm -r ${d.path}: something is mounted below it` }
  await rm(d.path, { recursive: true, force: true })
  return { resource: d, ok: true, message: `removed ${d.description} ${d.path}` }
}

async function detachLoop(l: Extract<Resource, { kind: 'loop' }>, attached: LoopDevice[]): Promise<TeardownResult> {
  if (!attached.some((a) => a.name === l.device && a.backFile === l.backFile)) return { resource: l, ok: true }
  const r = await execa('losetup', ['-d', l.device], { reject: false })
  if (r.exitCode === 0) return { resource: l, ok: true, message: `losetup -d ${l.device} (${l.backFile})` }
  return { resource: l, ok: false, message: `losetup -d ${l.device}: ${r.stderr.trim()}` }
}

/**
 * Resources left by a block that was running when docrun died: created since its pending
 * probe, and — since other programs may have mounted things meanwhile — only those under the
 * workspace (mounts), backed by files under it (loops), or mounts of such a loop device
 * wherever they are (an image mounted on /mnt).
 */
export function orphansOf(pending: PendingProbe, now: Probe, workspace: string): Resource[] {
  // Any loop device backed by a workspace file, attached by this block or an earlier one.
  const workspaceLoops = new Set(now.loops.filter((l) => isWithin(l.backFile, workspace)).map((l) => l.name))
  return diff(pending, now).filter((r) => {
    if (r.kind === 'loop') return isWithin(r.backFile, workspace)
    return r.kind === 'mount' && (isWithin(r.mountPoint, workspace) || workspaceLoops.has(r.source))
  })
}

export function describe(r: Resource): string {
  if (r.kind === 'process') return `${r.description} (pid ${r.pid})`
  if (r.kind === 'dir') return `${r.description} ${r.path}`
  if (r.kind === 'remote') return `${r.description} (pid ${r.sid} there)`
  return r.kind === 'mount' ? `mount ${r.source} on ${r.mountPoint} (${r.fsType})` : `loop ${r.device} → ${r.backFile}`
}

/** SIGTERM to the group, then SIGKILL after 3 s. True once the leader is gone. */
export async function endProcessGroup(pid: number, graceMs = 3000): Promise<boolean> {
  const startTime = processStartTime(pid)
  if (!startTime || !isRunning(pid)) return true
  // A process docrun starts leads its own session (a shell, QEMU): the blocks a shell ran are
  // process groups of their own inside it, so the whole session ends, not only the leader's group.
  // (A session id stays taken while any member lives: the kernel does not hand it out again.)
  const leader = readStat(pid)?.session === pid
  // Taken before any signal: a {tty} block's pty session hangs from its script process in this one.
  const sessions = leader ? sessionsFrom(pid) : []
  const groups = () => (leader ? sessionGroups(sessions) : isRunning(pid, startTime) ? [pid] : [])
  const signal = (sig: NodeJS.Signals) => {
    for (const g of groups()) {
      try {
        process.kill(-g, sig)
      } catch {
        try {
          process.kill(g, sig)
        } catch {}
      }
    }
  }
  const gone = () => groups().length === 0
  signal('SIGTERM')
  for (let waited = 0; waited < graceMs; waited += 100) {
    if (gone()) return true
    await new Promise((r) => setTimeout(r, 100))
  }
  signal('SIGKILL')
  for (let waited = 0; waited < 2000; waited += 100) {
    if (gone()) return true
    await new Promise((r) => setTimeout(r, 100))
  }
  return gone()
}
