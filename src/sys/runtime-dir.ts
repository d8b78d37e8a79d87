// Where a host shell keeps its protocol files: a block's script, the state dump its subshell
// writes as it exits, its status (three files created a block, with the dump sourced back; they
// stay until the shell ends, ~5 KB a block). On a disk file system each create costs 60–300 µs
// (ext4: the journal, longer while a flush is in flight or after a large delete with `discard`),
// about a millisecond of a trivial block; on a tmpfs ~10 µs. The files are small and gone with the
// shell, so memory suits them:
// $XDG_RUNTIME_DIR (the user's tmpfs under systemd), else /dev/shm when it is a writable tmpfs,
// else the temp dir.
import { accessSync, constants, statfsSync } from 'node:fs'
import { tmpdir } from 'node:os'

/** statfs(2)'s f_type of a tmpfs (linux/magic.h). */
const TMPFS_MAGIC = 0x01021994

let chosen: string | undefined

/** A directory in memory for short-lived protocol files, or the temp dir where there is none. */
export function runtimeDir(): string {
  chosen ??= firstWritableTmpfs([process.env.XDG_RUNTIME_DIR, '/dev/shm']) ?? tmpdir()
  return chosen
}

/** The first of `dirs` that is a tmpfs this process can write in. */
export function firstWritableTmpfs(dirs: (string | undefined)[]): string | undefined {
  return dirs.find((d): d is string => !!d && isWritableTmpfs(d))
}

function isWritableTmpfs(dir: string): boolean {
  try {
    accessSync(dir, constants.W_OK | constants.X_OK)
    return statfsSync(dir).type === TMPFS_MAGIC
  } catch {
    return false
  }
}
