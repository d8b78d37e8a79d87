// Why a block of a document run as it is failed, in words, and whose it is: drift in the
// document (a package gone, a path moved, a placeholder), a limit of this machine (an expired
// snapshot mirror, no network, no KVM), or a step that needs its reader. An expectation that
// failed (the command printed other output than the document shows) is a kind of its own: the
// document may have drifted, the machine may differ, or the inferred expectation may be wrong.
export type Whose = 'document' | 'machine' | 'reader' | 'expectation' | 'unknown'

export interface Cause {
  whose: Whose
  reason: string
  /** Text to find the command by, in the block (a package, a path). */
  needle?: string
}

interface Rule {
  re: RegExp
  cause: (m: RegExpExecArray) => Cause
}

const RULES: Rule[] = [
  { re: /cannot run unattended \(line \d+\): (.*)/, cause: (m) => ({ whose: 'reader', reason: m[1]! }) },
  {
    re: /Release file for (\S+) is expired/,
    cause: (m) => ({
      whose: 'machine',
      reason: `the package mirror here is a frozen snapshot: apt refuses its Release file as expired (${m[1]}); apt needs \`Acquire::Check-Valid-Until "false"\` on this machine`,
      needle: 'update',
    }),
  },
  {
    re: /(?:Unable to locate package|Couldn't find any package by (?:glob|regex) ')([^\s']+)/,
    cause: (m) => ({ whose: 'document', reason: `\`${m[1]}\`: no such package in the archive the document uses`, needle: m[1]! }),
  },
  {
    re: /Package '?([^\s']+)'? has no installation candidate/,
    cause: (m) => ({ whose: 'document', reason: `\`${m[1]}\` has no installation candidate: it is gone or replaced`, needle: m[1]! }),
  },
  {
    re: /Could not resolve (?:host:? )?'?([\w.-]+)|Temporary failure (?:in name )?resolution|Network is unreachable/,
    cause: (m) => ({ whose: 'machine', reason: `no network here${m[1] ? ` to reach ${m[1]}` : ''}` }),
  },
  {
    re: /Could not access KVM kernel module|failed to initialize kvm/i,
    cause: () => ({ whose: 'machine', reason: 'no KVM on this machine (the document adds -enable-kvm for real IBM Z only)' }),
  },
  {
    re: /\/dev\/loop[xX]\b/,
    cause: () => ({ whose: 'document', reason: '`/dev/loopX` is a placeholder the reader fills in (take it from `losetup -f --show`)', needle: '/dev/loop' }),
  },
  {
    re: /(?:cannot (?:access|stat|open) |can't open |stat )'?([^\s':]+)'?: No such file or directory|(\S+): No such file or directory/,
    cause: (m) => ({ whose: 'document', reason: `\`${m[1] ?? m[2]}\` does not exist`, needle: (m[1] ?? m[2])!.replace(/^.*?\//, '/') }),
  },
  {
    re: /No rule to make target '([^']+)'/,
    cause: (m) => ({ whose: 'document', reason: `\`make\` has no target \`${m[1]}\` in today's tree`, needle: m[1]! }),
  },
]

/** The unified diff of a failed {expect}, in words: how many lines differ each way, and the first of each. */
export function expectationCause(diff: string | undefined): Cause {
  const lines = (diff ?? '').split('\n').filter((l) => !l.startsWith('--- ') && !l.startsWith('+++ '))
  const shown = lines.filter((l) => l.startsWith('-')).map((l) => l.slice(1))
  const printed = lines.filter((l) => l.startsWith('+')).map((l) => l.slice(1))
  const plural = (n: number, what: string) => `${n} ${n === 1 ? 'line' : 'lines'} ${what}`
  const first = [
    ...(shown.length ? [`the document shows \`${shown[0]!.trim()}\``] : []),
    ...(printed.length ? [`the command printed \`${printed[0]!.trim()}\``] : []),
  ]
  return {
    whose: 'expectation',
    reason:
      `the output differs from what the document shows (its {expect}): ${plural(shown.length, 'shown but not printed')}, ` +
      `${printed.length} printed but not shown${first.length ? `; first, ${first.join(' where ')}` : ''}`,
  }
}

export function classify(message: string, output: string): Cause {
  for (const text of [message, output]) {
    for (const r of RULES) {
      const m = r.re.exec(text)
      if (m) return r.cause(m)
    }
  }
  const last = output
    .trim()
    .split('\n')
    .filter((l) => l.trim())
    .pop()
  return { whose: 'unknown', reason: last ? `${message}: ${last.trim()}` : message }
}
