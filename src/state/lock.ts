// One docrun per workspace. The lock file names its holder (pid and start time), so a lock
// left by a killed docrun is recognised as stale and said to be so, not waited on.
// (proper-lockfile decides staleness by mtime alone and cannot say who held it.)
import { openSync, closeSync, writeSync, readFileSync, unlinkSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'
import { isRunning, processStartTime } from '../sys/proc.js'

export interface LockHolder { pid: number; startTime: string; command: string; since: string }

export class LockedError extends Error {
  constructor(readonly holder: LockHolder, path: string) {
    super(`Another docrun (pid ${holder.pid}, started ${holder.since}: ${holder.command}) is using this workspace (${path}). Wait for it, or stop it with \`docrun stop\`.`)
  }
}

/** The holder still runs (a zombie holds nothing: it has ended). */
export function isAlive(holder: Pick<LockHolder, 'pid' | 'startTime'>): boolean {
  return isRunning(holder.pid, holder.startTime)
}

export interface Lock {
  release(): void
  /** Set when the lock was taken over from a dead docrun. */
  stale?: LockHolder
}

export function acquireLock(path: string): Lock {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 })
  const me: LockHolder = { pid: process.pid, startTime: processStartTime(process.pid), command: process.argv.slice(2).join(' '), since: new Date().toISOString() }
  let stale: LockHolder | undefined
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600)
      writeSync(fd, JSON.stringify(me))
      closeSync(fd)
      let released = false
      return {
        release() {
          if (released) return
          released = true
          try {
            const cur = JSON.parse(readFileSync(path, 'utf8')) as LockHolder
            if (cur.pid === me.pid) unlinkSync(path)
          } catch {}
        },
        ...(stale ? { stale } : {}),
      }
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
      let holder: LockHolder
      try {
        holder = JSON.parse(readFileSync(path, 'utf8')) as LockHolder
      } catch {
        // Half-written by a docrun killed while taking it: nobody holds it.
        holder = { pid: 0, startTime: '', command: '?', since: '?' }
      }
      if (holder.pid && isAlive(holder)) throw new LockedError(holder, path)
      stale = holder
      try {
        unlinkSync(path)
      } catch {}
    }
  }
  throw new Error(`could not take the lock ${path}`)
}
