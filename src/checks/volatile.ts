// Recorded output as an {expect} block that still matches tomorrow: values that differ between
// two identical runs (times, durations, temp paths, pids, run ids, addresses) become `(re)`
// lines, by default rules and by the patterns a runbook declares (`volatile:` in its front
// matter). Everything else stays literal.

export interface VolatileRule {
  /** Finds the volatile text in a line. */
  find: RegExp
  /** What matches it in a replay (a regular expression source). */
  as: string
}

const MONTH = '(?:Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec)'
const DAY = '(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun)'

/** Applied in order: earlier rules take their text first. */
export const DEFAULT_RULES: VolatileRule[] = [
  // MAC addresses first: their groups look like times.
  { find: /\b[0-9a-f]{2}(?::[0-9a-f]{2}){5}\b/gi, as: '[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){5}' },
  // date(1): `Wed Nov 25 19:52:54 UTC 2026`
  {
    find: new RegExp(`\\b${DAY} ${MONTH} +\\d{1,2} \\d{2}:\\d{2}:\\d{2}(?: [A-Z]{2,5})? \\d{4}\\b`, 'g'),
    as: '\\w{3} \\w{3} +\\d{1,2} \\d{2}:\\d{2}:\\d{2}(?: \\w+)? \\d{4}',
  },
  // ISO 8601 and `2026-11-25 19:52:54`
  {
    find: /\b\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?/g,
    as: '\\d{4}-\\d{2}-\\d{2}[T ]\\d{2}:\\d{2}(?::\\d{2}(?:[.,]\\d+)?)?(?:Z|[+-]\\d{2}:?\\d{2})?',
  },
  // docrun run ids: 20261125-195104-e8f2
  { find: /\b\d{8}-\d{6}-[0-9a-f]{4}\b/g, as: '\\d{8}-\\d{6}-[0-9a-f]{4}' },
  { find: /\b\d{1,2}:\d{2}:\d{2}(?:\.\d+)?\b/g, as: '\\d{1,2}:\\d{2}:\\d{2}(?:\\.\\d+)?' },
  // time(1) and friends: 0m1.234s, 1.5s, 230ms, 3 sec
  { find: /\b\d+m\d+(?:\.\d+)?s\b/g, as: '\\d+m\\d+(?:\\.\\d+)?s' },
  { find: /\b\d+(?:\.\d+)?\s?(?:ns|us|µs|ms|s|sec|secs|seconds|min|minutes)\b/g, as: '\\d+(?:\\.\\d+)?\\s?(?:ns|us|µs|ms|s|sec|secs|seconds|min|minutes)' },
  // mktemp/mkdtemp names under /tmp (a docrun workspace in tests, say)
  { find: /\/tmp\/[^\s/'"`]+/g, as: '/tmp/[^\\s/]+' },
  { find: /\b(?:pid|PID)[ =:#]*\d+\b/g, as: '(?:pid|PID)[ =:#]*\\d+' },
  // IPv4 (with prefix length), IPv6 with `::`, and kernel-style pointers
  { find: /\b(?:\d{1,3}\.){3}\d{1,3}(?:\/\d{1,2})?\b/g, as: '(?:\\d{1,3}\\.){3}\\d{1,3}(?:/\\d{1,2})?' },
  { find: /\b[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*::(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4})*)?(?:\/\d{1,3})?/gi, as: '[0-9a-fA-F:]+(?:/\\d{1,3})?' },
  { find: /\b0x[0-9a-f]{8,16}\b/gi, as: '0x[0-9a-fA-F]+' },
]

/** A runbook's own patterns: each match is replaced by the pattern itself. */
export function declaredRules(patterns: string[]): VolatileRule[] {
  return patterns.map((p) => ({ find: new RegExp(p, 'gu'), as: p }))
}

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')

/**
 * One output line as an {expect} line: literal when nothing in it is volatile (and it cannot be
 * mistaken for a pattern), else a `(re)` line.
 */
export function expectLine(line: string, rules: VolatileRule[]): string {
  const spans: { from: number; to: number; as: string }[] = []
  for (const rule of rules) {
    rule.find.lastIndex = 0
    for (let m = rule.find.exec(line); m; m = rule.find.exec(line)) {
      if (m[0] === '') {
        rule.find.lastIndex++
        continue
      }
      const from = m.index
      const to = from + m[0].length
      if (!spans.some((s) => from < s.to && to > s.from)) spans.push({ from, to, as: rule.as })
    }
  }
  const ambiguous = line === '...' || line.endsWith(' (re)')
  if (!spans.length && !ambiguous) return line
  spans.sort((a, b) => a.from - b.from)
  let out = ''
  let at = 0
  for (const s of spans) {
    out += escapeRe(line.slice(at, s.from)) + (topLevelBar(s.as) ? `(?:${s.as})` : s.as)
    at = s.to
  }
  return `${out}${escapeRe(line.slice(at))} (re)`
}

/** Does the pattern have an alternation outside any group (so it needs one when embedded)? */
function topLevelBar(re: string): boolean {
  let depth = 0
  for (let i = 0; i < re.length; i++) {
    const c = re[i]
    if (c === '\\') i++
    else if (c === '(') depth++
    else if (c === ')') depth--
    else if (c === '|' && depth === 0) return true
  }
  return false
}

/** Output lines as an {expect} block's body; `elidedAt` is where `...` stands for lines left out. */
export function expectBody(lines: string[], rules: VolatileRule[], elidedAt?: number): string {
  const out = lines.map((l) => expectLine(l, rules))
  if (elidedAt !== undefined) out.splice(elidedAt, 0, '...')
  return out.join('\n')
}
