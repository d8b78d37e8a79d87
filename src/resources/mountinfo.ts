// The kernel's own record of mounts (/proc/self/mountinfo) and loop devices (losetup -J):
// the ledger is built from these facts before and after each block, never from command text.
import { readdir, readFile } from 'node:fs/promises'
import { execa } from 'execa'

export interface MountEntry {
  id: number
  parent: number
  mountPoint: string
  fsType: string
  source: string
  /** Optional fields: shared:N, master:N, propagate_from:N, unbindable. */
  propagation: string[]
}

/** mountinfo escapes space, tab, newline and backslash as \ooo. */
export function unescapeMountPath(s: string): string {
  return s.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8)))
}

export function parseMountinfo(text: string): MountEntry[] {
  const out: MountEntry[] = []
  for (const line of text.split('\n')) {
    if (!line.trim()) continue
    const parts = line.split(' ')
    const sep = parts.indexOf('-')
    if (sep < 6) continue
    out.push({
      id: Number(parts[0]),
      parent: Number(parts[1]),
      mountPoint: unescapeMountPath(parts[4]!),
      propagation: parts.slice(6, sep),
      fsType: parts[sep + 1] ?? '',
      source: unescapeMountPath(parts[sep + 2] ?? ''),
    })
  }
  return out
}

export async function readMounts(): Promise<MountEntry[]> {
  return parseMountinfo(await readFile('/proc/self/mountinfo', 'utf8'))
}

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
    const names = (await readdir('/sys/block')).filter((n) => n.startsWith('loop'))
    const out: LoopDevice[] = []
    for (const n of names) {
      const back = await readFile(`/sys/block/${n}/loop/backing_file`, 'utf8').catch(() => undefined)
      if (back !== undefined) out.push({ name: `/dev/${n}`, backFile: back.trim().replace(/ \(deleted\)$/, '') })
    }
    return out
  } catch {
    // no sysfs: ask losetup
  }
  const r = await execa('losetup', ['-J', '-l'], { reject: false })
  if (r.exitCode !== 0 || !r.stdout.trim()) return []
  const data = JSON.parse(r.stdout) as { loopdevices?: { name: string; 'back-file'?: string | null }[] }
  return (data.loopdevices ?? []).map((l) => ({ name: l.name, backFile: (l['back-file'] ?? '').replace(/ \(deleted\)$/, '') }))
}

/** Is `p` equal to `dir` or inside it (path strings, both absolute and normalised)? */
export function isWithin(p: string, dir: string): boolean {
  const d = dir.endsWith('/') ? dir : `${dir}/`
  return p === dir || p.startsWith(d) || dir === '/'
}
