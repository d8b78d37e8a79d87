// `{expect}` blocks, cram/txm style: the expected output of the block before, line by line.
// A literal line matches itself; `...` matches any run of lines (none included); a line that
// ends in ` (re)` is a regular expression for one whole line. A mismatch is shown as a
// unified diff in which lines the patterns did match appear as context.

const ELLIPSIS = '...'
const RE_SUFFIX = ' (re)'

export interface ExpectOutcome {
  ok: boolean
  /** Unified diff (expected → actual), when not ok. */
  diff?: string
}

type Pattern = { kind: 'any' } | { kind: 're'; re: RegExp; text: string } | { kind: 'lit'; text: string }

function compile(line: string): Pattern {
  if (line === ELLIPSIS) return { kind: 'any' }
  if (line.endsWith(RE_SUFFIX)) {
    const src = line.slice(0, -RE_SUFFIX.length)
    try {
      return { kind: 're', re: new RegExp(`^(?:${src})$`, 'u'), text: line }
    } catch {
      // Not a valid regular expression: it can only match itself.
    }
  }
  return { kind: 'lit', text: line }
}

function one(p: Pattern, line: string): boolean {
  return p.kind === 'any' || (p.kind === 're' ? p.re.test(line) : p.text === line)
}

/** Split output into lines; a final newline does not make an empty last line. */
export function outputLines(text: string): string[] {
  if (text === '') return []
  const lines = text.replace(/\r\n/g, '\n').split('\n')
  if (lines[lines.length - 1] === '') lines.pop()
  return lines
}

/** Does `actual` match the expected block, with `...` as a wildcard over lines? */
function matches(pats: Pattern[], actual: string[]): boolean {
  // reach[j]: the patterns so far can consume exactly actual[0..j).
  let reach = new Array<boolean>(actual.length + 1).fill(false)
  reach[0] = true
  for (const p of pats) {
    const next = new Array<boolean>(actual.length + 1).fill(false)
    if (p.kind === 'any') {
      let on = false
      for (let j = 0; j <= actual.length; j++) next[j] = on = on || reach[j]!
    } else {
      for (let j = 0; j < actual.length; j++) if (reach[j] && one(p, actual[j]!)) next[j + 1] = true
    }
    reach = next
  }
  return reach[actual.length]!
}

export function checkExpected(expected: string, actualText: string): ExpectOutcome {
  const exp = outputLines(expected)
  const act = outputLines(actualText)
  const pats = exp.map(compile)
  if (matches(pats, act)) return { ok: true }
  return { ok: false, diff: renderDiff(exp, pats, act) }
}

type Op = { t: ' ' | '-' | '+'; line: string; e: number; a: number }

/**
 * The cheapest alignment of the patterns with the output, rendered as a unified diff in which
 * lines the patterns matched are context. A literal or (re) line that matches costs nothing,
 * any other line one. For the diff, `...` skips only up to a line that the pattern after it
 * matches, or so that the patterns after it line up with the output's end: lines that match
 * nothing show up as differences instead of vanishing into the `...`.
 */
function renderDiff(exp: string[], pats: Pattern[], act: string[]): string {
  const P = pats.length
  const A = act.length
  if ((P + 1) * (A + 1) > 25_000_000) {
    return [
      '--- expected',
      '+++ actual',
      ...exp.slice(0, 50).map((l) => `-${l}`),
      ...act.slice(0, 50).map((l) => `+${l}`),
      '(output too long for a full diff: first 50 lines of each)',
    ].join('\n')
  }
  const W = A + 1
  const INF = 0xffffffff
  // cost[i*W+j]: cheapest alignment of pats[i..] with act[j..].
  const cost = new Uint32Array((P + 1) * W)
  // Where a `...` at i may stop: before a line the next pattern matches; and, when no `...`
  // follows, where the remaining patterns line up with the output's last lines.
  const tail = pats.map((_, i) => (pats.slice(i + 1).some((q) => q.kind === 'any') ? -1 : P - i - 1))
  const lands = (i: number, k: number) => k === A - tail[i]! || (k < A && i + 1 < P && pats[i + 1]!.kind !== 'any' && one(pats[i + 1]!, act[k]!))
  for (let j = 0; j <= A; j++) cost[P * W + j] = A - j
  for (let i = P - 1; i >= 0; i--) {
    const p = pats[i]!
    if (p.kind === 'any') {
      // best: min cost(i+1, k) over k > j where `...` may stop.
      let best = INF
      for (let j = A; j >= 0; j--) {
        cost[i * W + j] = Math.min(cost[(i + 1) * W + j]!, best)
        if (lands(i, j)) best = Math.min(best, cost[(i + 1) * W + j]!)
      }
      continue
    }
    for (let j = A; j >= 0; j--) {
      let best = cost[(i + 1) * W + j]! + 1
      if (j < A) {
        if (one(p, act[j]!)) best = Math.min(best, cost[(i + 1) * W + j + 1]!)
        best = Math.min(best, cost[i * W + j + 1]! + 1)
      }
      cost[i * W + j] = best
    }
  }
  const ops: Op[] = []
  let i = 0
  let j = 0
  while (i < P || j < A) {
    const c = cost[i * W + j]!
    const p = pats[i]
    if (i < P && p!.kind === 'any') {
      if (cost[(i + 1) * W + j] !== c) {
        let k = j + 1
        while (!(lands(i, k) && cost[(i + 1) * W + k] === c)) k++
        j = k
      }
      ops.push({ t: ' ', line: ELLIPSIS, e: i, a: j })
      i++
      continue
    }
    if (i < P && j < A && one(p!, act[j]!) && cost[(i + 1) * W + j + 1] === c) {
      ops.push({ t: ' ', line: act[j]!, e: i, a: j })
      i++
      j++
    } else if (i < P && cost[(i + 1) * W + j]! + 1 === c) {
      ops.push({ t: '-', line: exp[i]!, e: i, a: j })
      i++
    } else {
      ops.push({ t: '+', line: act[j]!, e: i, a: j })
      j++
    }
  }
  return unified(ops)
}

/** Hunks with three lines of context, as `diff -u` prints them. */
function unified(ops: Op[]): string {
  const out = ['--- expected', '+++ actual']
  const near = ops.map(() => false)
  ops.forEach((op, k) => {
    if (op.t === ' ') return
    for (let d = Math.max(0, k - 3); d <= Math.min(ops.length - 1, k + 3); d++) near[d] = true
  })
  for (let k = 0; k < ops.length;) {
    if (!near[k]) {
      k++
      continue
    }
    let end = k
    while (end < ops.length && near[end]) end++
    const hunk = ops.slice(k, end)
    const first = hunk[0]!
    const last = hunk[hunk.length - 1]!
    const eLen = last.e + (last.t === '+' ? 0 : 1) - first.e
    const aLen = last.a + (last.t === '+' || (last.t === ' ' && last.line !== ELLIPSIS) ? 1 : 0) - first.a
    out.push(`@@ -${first.e + 1},${eLen} +${first.a + 1},${aLen} @@`)
    for (const o of hunk) out.push(`${o.t}${o.line}`)
    k = end
  }
  return out.join('\n')
}
