// The ledger's pure logic from fixture data: what a block created (diff), what a crashed
// run left (orphans), and whether a recorded mount is still the one mounted.
import { describe, expect, it } from 'vitest'
import { diff, orphansOf, pendingFrom, stillMounted, type Probe, type Resource } from '../../src/resources/ledger.js'
import type { MountEntry } from '../../src/resources/mountinfo.js'

const mount = (id: number, mountPoint: string, source = 'tmpfs', parent = 1): MountEntry => ({
  id,
  parent,
  mountPoint,
  fsType: 'tmpfs',
  source,
  propagation: [],
})
const BEFORE: Probe = { mounts: [mount(1, '/'), mount(20, '/proc', 'proc')], loops: [{ name: '/dev/loop0', backFile: '/var/lib/snap.img' }] }
const pending = pendingFrom(BEFORE, 'blk', 'run-1', false)

describe('ledger diff', () => {
  it('finds the mounts and loops that appeared, attributed to the pending block', () => {
    const after: Probe = { mounts: [...BEFORE.mounts, mount(30, '/ws/m')], loops: [...BEFORE.loops, { name: '/dev/loop1', backFile: '/ws/disk.img' }] }
    expect(diff(pending, after)).toEqual([
      { kind: 'mount', mountPoint: '/ws/m', fsType: 'tmpfs', source: 'tmpfs', mountId: 30, block: 'blk', runId: 'run-1', keep: false },
      { kind: 'loop', device: '/dev/loop1', backFile: '/ws/disk.img', block: 'blk', runId: 'run-1', keep: false },
    ])
  })

  it('a reused mount id at another place is a new mount; the same id at the same place is not', () => {
    const after: Probe = { mounts: [mount(1, '/'), mount(20, '/elsewhere')], loops: BEFORE.loops }
    expect(diff(pending, after).map((r) => (r as { mountPoint: string }).mountPoint)).toEqual(['/elsewhere'])
  })

  it('older state files (highest mount id only) still diff by id', () => {
    const old = { block: 'b', runId: 'r', keep: true, maxMountId: 20, loops: [] }
    const after: Probe = { mounts: [mount(19, '/x'), mount(21, '/y')], loops: [] }
    expect(diff(old, after).map((r) => (r as { mountPoint: string }).mountPoint)).toEqual(['/y'])
  })

  it('a loop device re-attached to another file is new', () => {
    const after: Probe = { mounts: BEFORE.mounts, loops: [{ name: '/dev/loop0', backFile: '/ws/other.img' }] }
    expect(diff(pending, after)).toHaveLength(1)
  })
})

describe('orphans of a crashed run', () => {
  it('keeps what lies in the workspace and drops what others made elsewhere', () => {
    const now: Probe = {
      mounts: [...BEFORE.mounts, mount(31, '/ws/m'), mount(32, '/media/usb')],
      loops: [...BEFORE.loops, { name: '/dev/loop1', backFile: '/ws/disk.img' }, { name: '/dev/loop2', backFile: '/srv/x.img' }],
    }
    expect(orphansOf(pending, now, '/ws').map(where)).toEqual(['/ws/m', '/dev/loop1'])
  })

  it('keeps a mount of a workspace loop device mounted outside the workspace (defect 3)', () => {
    const now: Probe = {
      mounts: [...BEFORE.mounts, mount(33, '/mnt/image', '/dev/loop1')],
      loops: [...BEFORE.loops, { name: '/dev/loop1', backFile: '/ws/disk.img' }],
    }
    expect(orphansOf(pending, now, '/ws').map(where)).toEqual(['/mnt/image', '/dev/loop1'])
  })

  it('keeps a mount outside the workspace of a workspace loop device attached before the block', () => {
    const before: Probe = { ...BEFORE, loops: [...BEFORE.loops, { name: '/dev/loop4', backFile: '/ws/disk.img' }] }
    const now: Probe = { mounts: [...BEFORE.mounts, mount(34, '/mnt/image', '/dev/loop4')], loops: before.loops }
    expect(orphansOf(pendingFrom(before, 'blk', 'run-1', false), now, '/ws').map(where)).toEqual(['/mnt/image'])
  })

  it('does not take a mount of a loop device backed outside the workspace', () => {
    const now: Probe = { mounts: [...BEFORE.mounts, mount(35, '/mnt/snap', '/dev/loop0')], loops: BEFORE.loops }
    expect(orphansOf(pending, now, '/ws')).toEqual([])
  })
})

describe('stillMounted', () => {
  const r: Extract<Resource, { kind: 'mount' }> = {
    kind: 'mount',
    mountPoint: '/ws/m',
    fsType: 'tmpfs',
    source: 'x',
    mountId: 30,
    block: 'b',
    runId: 'r',
    keep: true,
  }
  it('needs the same id at the same place', () => {
    expect(stillMounted(r, [mount(30, '/ws/m')])).toBe(true)
    expect(stillMounted(r, [mount(30, '/ws/n')])).toBe(false)
    expect(stillMounted(r, [mount(31, '/ws/m')])).toBe(false)
  })
})

function where(r: Resource): string {
  return r.kind === 'mount' ? r.mountPoint : r.kind === 'loop' ? r.device : ''
}
