// Every whole file docrun's record depends on is replaced atomically (write a temp file beside
// it, fsync, rename), 0600: a reader sees the old file or the new one, never half of one.
// Synchronous on purpose: these files are small and written between blocks, and the sync calls
// cost a few system calls where write-file-atomic cost ~2 ms a file on this VM (a signal-exit
// handler installed and removed per write, and eight thread-pool round trips).
import { closeSync, fsyncSync, lstatSync, mkdirSync, openSync, realpathSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { randomBytes } from 'node:crypto'
import { dirname } from 'node:path'

export interface AtomicOptions {
  /** Flush the data to the disk before the rename (survives a power loss). Default true. */
  fsync?: boolean
}

export function writeAtomicSync(path: string, data: string | Buffer, opts: AtomicOptions = {}): void {
  // A symlink stays a symlink: the file it points at is replaced.
  const target = isSymlink(path) ? realpathSync(path) : path
  const tmp = `${target}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    const fd = openTemp(tmp)
    try {
      writeFileSync(fd, data)
      if (opts.fsync !== false) fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    renameSync(tmp, target)
  } catch (error) {
    rmSync(tmp, { force: true })
    throw error
  }
}

function isSymlink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink()
  } catch {
    return false
  }
}

/** The temp file, its directory made on first use (one system call when it is there). */
function openTemp(tmp: string): number {
  try {
    return openSync(tmp, 'w', 0o600)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error
    mkdirSync(dirname(tmp), { recursive: true, mode: 0o700 })
    return openSync(tmp, 'w', 0o600)
  }
}

export async function writeAtomic(path: string, data: string | Buffer, opts: AtomicOptions = {}): Promise<void> {
  writeAtomicSync(path, data, opts)
}
