// The kernel's record of mounts (/proc/self/mountinfo): read by the resource ledger and by
// anything that must not delete through a mount point (the block cache's restore).
import { readFileSync } from 'node:fs'

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
  // Read twice a block: synchronously (a /proc file read is microseconds; the promise API
  // takes several thread-pool round trips for a file whose size stat cannot tell).
  return parseMountinfo(readFileSync('/proc/self/mountinfo', 'utf8'))
}

/** Is `p` equal to `dir` or inside it (path strings, both absolute and normalised)? */
export function isWithin(p: string, dir: string): boolean {
  const d = dir.endsWith('/') ? dir : `${dir}/`
  return p === dir || p.startsWith(d) || dir === '/'
}

/** Mount points at or below `dir` (absolute, normalised): deleting `dir` would reach into them. */
export function mountsBelow(mounts: MountEntry[], dir: string): string[] {
  return mounts.filter((m) => isWithin(m.mountPoint, dir)).map((m) => m.mountPoint)
}
