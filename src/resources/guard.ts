// Never remove a directory that has anything mounted beneath it: after `mount --rbind /dev
// ROOT/dev`, a recursive delete of ROOT deletes the host's /dev.
import { realpath } from 'node:fs/promises'
import { isWithin, readMounts } from './mountinfo.js'

export class MountedBelowError extends Error {}

/** Mount points at or below `dir` (resolved through symlinks). */
export async function mountsBelow(dir: string): Promise<string[]> {
  let real: string
  try {
    real = await realpath(dir)
  } catch {
    return []
  }
  return (await readMounts()).map((m) => m.mountPoint).filter((mp) => mp !== real && isWithin(mp, real))
}

export async function assertNothingMountedBelow(dir: string): Promise<void> {
  const below = await mountsBelow(dir)
  if (below.length) {
    throw new MountedBelowError(
      `refusing to remove ${dir}: ${below.length} mount(s) below it (${below.slice(0, 5).join(', ')}${below.length > 5 ? ', …' : ''}). Unmount them first (\`docrun clean\` does, innermost first).`,
    )
  }
}
