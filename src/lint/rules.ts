// What will not run unattended, found in a block's shell text. Each rule reports the line and
// column of what it found; lint.ts turns that into positioned diagnostics.
import type { Step } from '../plan/types.js'

export type Severity = 'error' | 'warning' | 'info'

export interface Finding {
  /** 0-based line within the block's content, and 0-based column. */
  line: number
  column: number
  message: string
}

export interface LintContext {
  /** Variables defined before this block on its target (params, earlier blocks, captures). */
  defined: Set<string>
}

export interface Rule {
  id: string
  severity: Severity
  description: string
  check(step: Step, lines: string[], ctx: LintContext): Finding[]
}

/** Each match of `re` on each line, as a finding. */
function scan(lines: string[], re: RegExp, message: (m: RegExpExecArray, line: number) => string | undefined): Finding[] {
  const out: Finding[] = []
  lines.forEach((text, line) => {
    if (/^\s*#/.test(text)) return
    const g = new RegExp(re.source, re.flags.includes('g') ? re.flags : `${re.flags}g`)
    for (let m = g.exec(text); m; m = g.exec(text)) {
      const msg = message(m, line)
      if (msg) out.push({ line, column: m.index + (m[0].length - m[0].trimStart().length), message: msg })
      if (m[0] === '') g.lastIndex++
    }
  })
  return out
}

/** For each line, the whole command it belongs to (backslash continuations joined). */
function logicalLines(lines: string[]): string[] {
  const out: string[] = []
  let start = 0
  for (let i = 0; i < lines.length; i++) {
    if (lines[i]!.endsWith('\\') && i < lines.length - 1) continue
    const cmd = lines.slice(start, i + 1).map((l) => l.replace(/\\$/, '')).join(' ')
    for (let k = start; k <= i; k++) out[k] = cmd
    start = i + 1
  }
  return out
}

const CMD = String.raw`(?:^|[;&|(]\s*|\bsudo\s+|\bthen\s+|\bdo\s+)`

export const RULES: Rule[] = [
  {
    id: 'placeholder',
    severity: 'warning',
    description: 'a placeholder the reader is meant to fill in (/dev/loopX, <name>, X.Y)',
    check: (_s, lines) =>
      scan(lines, /\/dev\/loop[xX]\b|(?<![<\w])<[A-Za-z][\w .-]*>(?!>)|\b[xX]\.[yY](?:\.[zZ])?\b|\bYOUR_[A-Z_]+\b/, (m) => `\`${m[0]}\` is a placeholder the reader fills in: docrun cannot (capture the value, e.g. \`LOOP=$(losetup -f --show IMG)\`, or make it a param)`),
  },
  {
    id: 'interactive',
    severity: 'warning',
    description: 'needs a person at a terminal: menuconfig, an editor, a bare chroot or ssh, QEMU in the foreground',
    check: (step, lines) => {
      if (step.attrs.interactive === true) return []
      const out = [
        ...scan(lines, /\b(?:menuconfig|nconfig|xconfig|gconfig)\b/, (m) => `\`${m[0]}\` waits for a person: mark the block {interactive alt=BLOCK} with a non-interactive alternative (e.g. olddefconfig with a config fragment)`),
        ...scan(lines, new RegExp(`${CMD}(?:vi|vim|nano|emacs|ed)(?=\\s|$)`), () => 'an editor waits for a person: write the file with a `{file=PATH}` block instead'),
        ...scan(lines, /^\s*(?:sudo\s+)?chroot\s+(?:-\S+\s+)*\S+\s*$/, () => 'a bare `chroot DIR` opens a shell for a person and, fed no input, returns at once: give the following blocks `target=chroot root=DIR` instead'),
        ...scan(lines, /^\s*(?:sudo\s+)?ssh\s+(?:-\S+\s+)*\S+\s*$/, () => 'a bare `ssh HOST` opens a shell for a person: give it the command to run'),
      ]
      if (!step.boot && step.action === 'run') {
        // A VM that runs (not `--version`, `-cpu help`, or daemonized) holds the block on its console.
        const commands = logicalLines(lines)
        out.push(
          ...scan(lines, new RegExp(`${CMD}qemu-system-[\\w-]+`), (m, line) => {
            const cmd = commands[line] ?? ''
            if (/\s(?:--?version|--?help|-daemonize)\b|\s\S+\s+(?:help|\?)(?:\s|$)/.test(cmd)) return undefined
            return `\`${m[0].trim()}\` runs in the foreground and waits on its console: mark the block {guest=NAME} so docrun starts it and runs the following blocks inside`
          }),
        )
      }
      return out
    },
  },
  {
    id: 'network',
    severity: 'info',
    description: 'needs the network (git clone, apt-get, dhclient, curl, wget, debootstrap)',
    check: (_s, lines) => scan(lines, /\bgit\s+clone\b|\bapt(?:-get)?\s+(?:update|install|download|upgrade)\b|\bdhclient\b|\bcurl\b|\bwget\b|\bpip3?\s+install\b|(?<![/\w.-])debootstrap\b(?!\/)/, (m) => `\`${m[0].trim()}\` needs the network`),
  },
  {
    id: 'sudo',
    severity: 'info',
    description: 'uses sudo: runs as root, or through a sudo that must not ask for a password',
    // Once per block: the first use says it for all.
    check: (_s, lines) => scan(lines, /(?<![\w/-])sudo(?=\s)/, () => '`sudo`: docrun runs it as is when root (no sudo needed) and never answers a password prompt').slice(0, 1),
  },
  {
    id: 'cd-persists',
    severity: 'info',
    description: 'changes the directory for the blocks after it',
    check: (step, lines) => (step.cwd ? [] : scan(lines, /^\s*cd(?:\s+[^;&|)]+)?\s*(?:$|;|&&)/, () => '`cd` here changes the directory of every later block on this target (use cwd=DIR to run one block elsewhere)')),
  },
  {
    id: 'undefined-variable',
    severity: 'warning',
    description: 'uses a variable that no earlier block, param or the block itself defines',
    check: (_s, lines, ctx) => {
      const own = definedIn(lines)
      const seen = new Set<string>()
      return scan(stripQuoted(lines), /\$\{?([A-Za-z_][A-Za-z0-9_]*)/, (m) => {
        const name = m[1]!
        if (ctx.defined.has(name) || own.has(name) || WELL_KNOWN.has(name) || /^(?:LC_|XDG_|BASH|SUDO_)/.test(name) || seen.has(name)) return undefined
        seen.add(name)
        return `\`$${name}\` is not defined by any earlier block or param on this target`
      })
    },
  },
]

const WELL_KNOWN = new Set(['PATH', 'HOME', 'PWD', 'OLDPWD', 'USER', 'LOGNAME', 'SHELL', 'TERM', 'LANG', 'HOSTNAME', 'UID', 'EUID', 'PPID', 'RANDOM', 'SECONDS', 'LINENO', 'IFS', 'TMPDIR', 'DEBIAN_FRONTEND', 'EDITOR', 'PS1', 'OPTARG', 'OPTIND', 'REPLY', 'MAKEFLAGS'])

/** Names a block assigns, exports, reads or loops over. */
export function definedIn(lines: string[]): Set<string> {
  const out = new Set<string>()
  const text = lines.join('\n')
  for (const m of text.matchAll(/(?:^|[\s;&|(])(?:export\s+|local\s+|declare\s+(?:-\w+\s+)*|readonly\s+)?([A-Za-z_][A-Za-z0-9_]*)\+?=/g)) out.add(m[1]!)
  for (const m of text.matchAll(/\b(?:export|local|readonly|unset)\s+((?:[A-Za-z_][A-Za-z0-9_]*\s*)+)/g)) for (const n of m[1]!.split(/\s+/)) if (n) out.add(n)
  for (const m of text.matchAll(/\bread\s+(?:-\w+\s+)*((?:[A-Za-z_][A-Za-z0-9_]*\s*)+)/g)) for (const n of m[1]!.split(/\s+/)) if (n) out.add(n)
  for (const m of text.matchAll(/\bfor\s+([A-Za-z_][A-Za-z0-9_]*)\s+in\b/g)) out.add(m[1]!)
  return out
}

/** Blank out single-quoted text and quoted heredoc bodies, where `$X` is not expanded. */
function stripQuoted(lines: string[]): string[] {
  const out: string[] = []
  let heredoc: string | undefined
  for (const line of lines) {
    if (heredoc !== undefined) {
      out.push('')
      if (line.trim() === heredoc) heredoc = undefined
      continue
    }
    const h = /<<-?\s*(['"])(\w+)\1/.exec(line)
    if (h) heredoc = h[2]
    out.push(line.replace(/'[^']*'/g, (q) => ' '.repeat(q.length)))
  }
  return out
}
