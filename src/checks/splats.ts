// The kernel's own trouble reports on a guest's console: WARN_ON, BUG, Oops, the sanitizers,
// lockdep, hung tasks, RCU stalls and soft lockups (the set libbpf's CI and syzbot look for).
// Only kernel messages count: console lines with printk's timestamp (`[   12.345678] `), so a
// program that prints the word WARNING (grep, a test's own log) is not taken for the kernel.
import type { Splat } from '../events/events.js'

const PRINTK_LINE = /^\[\s*\d+\.\d+\] ?(.*)$/
/** Order matters: the first match names the kind (a KASAN report starts with `BUG: KASAN:`). */
const STARTS: { kind: string; re: RegExp }[] = [
  { kind: 'kasan', re: /\bBUG: KASAN: / },
  { kind: 'kcsan', re: /\bBUG: KCSAN: / },
  { kind: 'ubsan', re: /\bUBSAN: / },
  {
    kind: 'lockdep',
    re: /WARNING: (?:possible recursive locking|possible circular locking dependency|inconsistent lock state|suspicious RCU usage)|BUG: (?:sleeping function called|scheduling while atomic)/,
  },
  { kind: 'soft-lockup', re: /\bBUG: soft lockup\b|watchdog: BUG: soft lockup/ },
  { kind: 'hung-task', re: /INFO: task \S+ blocked for more than \d+ seconds/ },
  { kind: 'rcu-stall', re: /\brcu_\w+ (?:self-)?detected stalls?\b|rcu: INFO: \w+ detected stalls/ },
  { kind: 'oops', re: /\bOops\b|Unable to handle kernel (?:paging request|NULL pointer dereference)|Internal error: Oops/ },
  { kind: 'bug', re: /\bBUG: |kernel BUG at / },
  { kind: 'warning', re: /\bWARNING: (?:CPU: \d+ PID: \d+|at )/ },
]
const END = /---\[ end trace [0-9a-f]* \]---|---\[ end Kernel panic/
/** A splat without its end marker (a message written to /dev/kmsg) ends after this many lines. */
const MAX_LINES = 80

export class SplatScanner {
  private partial = ''
  private open: Splat | undefined
  private done: Splat[] = []

  constructor(private readonly guest: string) {}

  /** Console text as it arrives (raw: CR, escape sequences and all). */
  push(text: string): void {
    const lines = (this.partial + text).split('\n')
    this.partial = lines.pop() ?? ''
    for (const raw of lines) this.line(raw.replace(/\r$/, '').replace(/\x1b\[[0-9;?]*[A-Za-z]/g, ''))
  }

  /** The splats seen since the last call, the one still being printed included. */
  take(): Splat[] {
    if (this.partial) {
      this.line(this.partial)
      this.partial = ''
    }
    if (this.open) this.close()
    const out = this.done
    this.done = []
    return out
  }

  private line(raw: string): void {
    const m = PRINTK_LINE.exec(raw)
    if (!m) return
    const text = m[1]!.trimEnd()
    const start = STARTS.find((s) => s.re.test(text))
    // A lockdep report starts with a WARNING line: it is one splat, not two.
    if (start && !(this.open && this.open.lines.length === 1 && start.kind === 'warning')) {
      if (this.open) this.close()
      this.open = { kind: start.kind, title: text.trim(), lines: [text], guest: this.guest }
      return
    }
    if (!this.open) return
    this.open.lines.push(text)
    if (END.test(text) || this.open.lines.length >= MAX_LINES) this.close()
  }

  private close(): void {
    this.done.push(this.open!)
    this.open = undefined
  }
}

/** A runbook's `allow-splats:` entry: the kernel report it expects, and why. */
export interface AllowedSplat {
  pattern: RegExp
  reason: string
}

/** Mark the splats an allow list expects (by title or any of its lines). */
export function applyAllowList(splats: Splat[], allow: AllowedSplat[]): Splat[] {
  return splats.map((s) => {
    const hit = allow.find((a) => a.pattern.test(s.title) || s.lines.some((l) => a.pattern.test(l)))
    return hit ? { ...s, allowed: hit.reason } : s
  })
}
