// Loop devices (sysfs, else losetup -J), and the mounts reader re-exported from src/sys/mountinfo.ts:
// the ledger is built from these facts before and after each block, never from command text.
import { readdirSync, readFileSync } from 'node:fs'

export { isWithin, parseMountinfo, readMounts, unescapeMountPath, type MountEntry } from '../sys/mountinfo.js'

export interface LoopDevice {
  name: string
  backFile: string
}

/**
 * Attached loop devices, from sysfs (what `losetup -J` reads too, without a fork per block);
 * `losetup -J` where sysfs is not mounted.
 */
export async function readLoops(): Promise<LoopDevice[]> {
  try {
    // Synchronous: read before and after every block, a few sysfs files of microseconds each.
    const names = readdirSync('/sys/block').filter((n) => n.startsWith('loop'))
    const out: LoopDevice[] = []
    for (const n of names) {
      let back: string
      try {
        back = readFileSync(`/sys/block/${n}/loop/backing_file`, 'utf8')
      } catch {
        continue // not attached
      }
      out.push({ name: `/dev/${n}`, backFile: back.trim().replace(/ \(deleted\)$/, '') })
    }
    return out
  } catch {
    // no sysfs: ask losetup
  }
  // execa on first use: only where sysfs is not mounted (status and list never load it).
  const { execa } = await import('execa')
  const r = await execa('losetup', ['-J', '-l'], { reject: false })
  if (r.exitCode !== 0 || !r.stdout.trim()) return []
  const data = JSON.parse(r.stdout) as { loopdevices?: { name: string; 'back-file'?: string | null }[] }
  return (data.loopdevices ?? []).map((l) => ({ name: l.name, backFile: (l['back-file'] ?? '').replace(/ \(deleted\)$/, '') }))
}
