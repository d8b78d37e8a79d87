// The resource ledger: mounts and loop devices that a run's blocks created, read from the
// kernel before and after each block. Teardown works from these facts, innermost first.
import { execa } from 'execa'
import { isWithin, readLoops, readMounts, type LoopDevice, type MountEntry } from './mountinfo.js'

export type Resource =
  | { kind: 'mount'; mountPoint: string; fsType: string; source: string; mountId: number; block: string; runId: string; keep: boolean }
  | { kind: 'loop'; device: string; backFile: string; block: string; runId: string; keep: boolean }

export interface Probe {
  mounts: MountEntry[]
  loops: LoopDevice[]
}

/** What a block was about to run against: kept in the state while it runs, for crash recovery. */
export interface PendingProbe {
  block: string
  runId: string
  keep: boolean
  maxMountId: number
  loops: string[]
}

export async function probe(): Promise<Probe> {
  const [mounts, loops] = await Promise.all([readMounts(), readLoops()])
  return { mounts, loops }
}

export function pendingFrom(p: Probe, block: string, runId: string, keep: boolean): PendingProbe {
  return { block, runId, keep, maxMountId: Math.max(0, ...p.mounts.map((m) => m.id)), loops: p.loops.map((l) => `${l.name}\0${l.backFile}`) }
}

/** Resources present now that were not there at `before`. */
export function diff(before: PendingProbe, after: Probe): Resource[] {
  const out: Resource[] = []
  for (const m of after.mounts) {
    if (m.id > before.maxMountId) out.push({ kind: 'mount', mountPoint: m.mountPoint, fsType: m.fsType, source: m.source, mountId: m.id, block: before.block, runId: before.runId, keep: before.keep })
  }
  const had = new Set(before.loops)
  for (const l of after.loops) {
    if (!had.has(`${l.name}\0${l.backFile}`)) out.push({ kind: 'loop', device: l.name, backFile: l.backFile, block: before.block, runId: before.runId, keep: before.keep })
  }
  return out
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

export interface TeardownReport {
  removed: string[]
  failed: string[]
}

/** Unmount (deepest first), then detach loops. Only what is still there as recorded. */
export async function teardown(resources: Resource[]): Promise<TeardownReport> {
  const report: TeardownReport = { removed: [], failed: [] }
  const mounts = resources.filter((r): r is Extract<Resource, { kind: 'mount' }> => r.kind === 'mount')
  mounts.sort((a, b) => b.mountPoint.split('/').length - a.mountPoint.split('/').length || b.mountId - a.mountId)
  for (const m of mounts) {
    const current = await readMounts()
    // Only the mount we recorded (same id); a path mounted again since is not ours.
    if (!current.some((c) => c.id === m.mountId)) continue
    const below = current.filter((c) => c.id !== m.mountId && isWithin(c.mountPoint, m.mountPoint) && c.mountPoint !== m.mountPoint)
    for (const b of below.sort((x, y) => y.mountPoint.length - x.mountPoint.length)) {
      // Submounts that came with an rbind: unmount them first, never recursively through a shared mount.
      const r = await execa('umount', [b.mountPoint], { reject: false })
      if (r.exitCode !== 0) await execa('umount', ['-l', b.mountPoint], { reject: false })
    }
    let r = await execa('umount', [m.mountPoint], { reject: false })
    if (r.exitCode !== 0) r = await execa('umount', ['-l', m.mountPoint], { reject: false })
    if (r.exitCode === 0) report.removed.push(`umount ${m.mountPoint}`)
    else report.failed.push(`umount ${m.mountPoint}: ${r.stderr.trim()}`)
  }
  const loops = resources.filter((r): r is Extract<Resource, { kind: 'loop' }> => r.kind === 'loop')
  if (loops.length) {
    const attached = await readLoops()
    for (const l of loops) {
      if (!attached.some((a) => a.name === l.device && a.backFile === l.backFile)) continue
      const r = await execa('losetup', ['-d', l.device], { reject: false })
      if (r.exitCode === 0) report.removed.push(`losetup -d ${l.device} (${l.backFile})`)
      else report.failed.push(`losetup -d ${l.device}: ${r.stderr.trim()}`)
    }
  }
  return report
}

/**
 * Resources left by a block that was running when docrun died: created since its pending
 * probe, and — since other programs may have mounted things meanwhile — only those under the
 * workspace (mounts) or backed by files under it (loops).
 */
export function orphansOf(pending: PendingProbe, now: Probe, workspace: string): Resource[] {
  const loopDevs = new Set<string>()
  const out = diff(pending, now).filter((r) => {
    if (r.kind === 'loop') {
      const ok = isWithin(r.backFile, workspace)
      if (ok) loopDevs.add(r.device)
      return ok
    }
    return isWithin(r.mountPoint, workspace)
  })
  return out.filter((r) => r.kind === 'loop' || isWithin(r.mountPoint, workspace) || loopDevs.has(r.source))
}

export function describe(r: Resource): string {
  return r.kind === 'mount' ? `mount ${r.source} on ${r.mountPoint} (${r.fsType})` : `loop ${r.device} → ${r.backFile}`
}
