// The kernel's records of processes (/proc/PID/stat): the one place docrun reads them.
// A process is named by pid *and* its start time, so a recycled pid is never taken for it.
import { readdirSync, readFileSync } from 'node:fs'

/** What /proc/PID/stat says of a process (fields after the command name, which may hold spaces). */
export interface ProcStat {
  /** R, S, D, Z (zombie: it has ended, its parent has not reaped it yet), T, … */
  state: string
  ppid: number
  pgrp: number
  session: number
  /** Clock ticks after boot: with the pid, names the process. */
  startTime: string
}

/** Parse one /proc/PID/stat line. */
export function parseStat(text: string): ProcStat | undefined {
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ')
  if (f.length < 20) return undefined
  return { state: f[0]!, ppid: Number(f[1]), pgrp: Number(f[2]), session: Number(f[3]), startTime: f[19]! }
}

export function readStat(pid: number | string): ProcStat | undefined {
  try {
    return parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))
  } catch {
    return undefined
  }
}

/** The kernel's start time of a pid, '' when it is gone. */
export function processStartTime(pid: number): string {
  return readStat(pid)?.startTime ?? ''
}

/** True while the process runs (a zombie has ended). With `startTime`: only that very process. */
export function isRunning(pid: number, startTime?: string): boolean {
  const st = readStat(pid)
  if (!st || st.state === 'Z') return false
  return startTime === undefined || st.startTime === startTime
}

/** The process groups of the live (not zombie) processes in session `sid` (or in any of `sid`'s). */
export function sessionGroups(sid: number | number[]): number[] {
  const sids = new Set(typeof sid === 'number' ? [sid] : sid)
  const groups = new Set<number>()
  for (const [, st] of allStats()) if (sids.has(st.session) && st.state !== 'Z') groups.add(st.pgrp)
  return [...groups]
}

/**
 * `sid` and the sessions its members started (a {tty} block's pty: util-linux's script, in the
 * shell's session, runs the block's shell as the leader of a session of its own), while the link
 * is there: a process whose parent is gone is not found through it.
 */
export function sessionsFrom(sid: number): number[] {
  const stats = allStats()
  const sessions = new Set([sid])
  for (let grew = true; grew;) {
    grew = false
    const members = new Set([...stats].filter(([, st]) => sessions.has(st.session)).map(([pid]) => pid))
    for (const [pid, st] of stats) {
      if (members.has(st.ppid) && st.session === pid && !sessions.has(pid)) {
        sessions.add(pid)
        grew = true
      }
    }
  }
  return [...sessions]
}

function allStats(): Map<number, ProcStat> {
  const stats = new Map<number, ProcStat>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    const st = readStat(name)
    if (st) stats.set(Number(name), st)
  }
  return stats
}
