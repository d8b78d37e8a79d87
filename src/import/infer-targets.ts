// Follow the reader of an imported document into the shells it opens. A person who typed a
// bare `sudo chroot DIR` went on typing inside the chroot; one who started QEMU with its
// console on stdio went on typing into the guest. The import writes each such inference as
// explicit attributes, with a comment saying why, for a person to review.
import { Pair, parseDocument, Scalar } from 'yaml'
import { isBare, programOf, shellParser, type ShellScript } from '../syntax/shell.js'
import type { Block } from '../runbook/types.js'
import { Reading, sameLine } from './prose.js'

/** QEMU with its console on the terminal it was started from (-nographic, a stdio serial or chardev), not daemonized. */
function startsConsoleGuest(script: ShellScript): boolean {
  return script.commands.some((cmd) => {
    const p = programOf(cmd)
    if (!p || !/^qemu-system-[\w-]+$/.test(p.name.literal ?? '')) return false
    const args = p.args.map((a) => a.literal ?? a.text)
    const next = (i: number) => args[i + 1] ?? ''
    const stdio = args.some(
      (a, i) => a === '-nographic' || (a === '-serial' && /^(?:mon:)?stdio$/.test(next(i))) || (a === '-chardev' && next(i).startsWith('stdio')),
    )
    return stdio && !args.includes('-daemonize')
  })
}

/** Commands that talk to a running guest from outside it (its gdb stub, its forwarded ports). */
function fromOutside(script: ShellScript): boolean {
  return script.commands.some((cmd) => {
    const p = programOf(cmd)
    const name = p?.name.literal ?? ''
    const args = p?.args.map((a) => a.literal ?? a.text) ?? []
    if (name === 'gdb' || name === 'gdb-multiarch') return args.some((a) => a === '-ex' || /target\s+(?:extended-)?remote/.test(a))
    if (name === 'ssh') return args.some((a, i) => /^-p\d+$/.test(a) || (a === '-p' && /^\d+$/.test(args[i + 1] ?? '')))
    return name === 'nc' && args.includes('localhost')
  })
}

/** The block's last command, alone on its line, with nothing after it but blank lines and comments: where the reader goes on typing. */
function trailing(script: ShellScript): { cmd: ShellScript['commands'][number]; line: number; indent: string; command: string } | undefined {
  const cmd = script.commands.at(-1)
  if (!cmd || cmd.at.line !== cmd.end.line) return undefined
  const text = script.text.split('\n')[cmd.at.line]!
  const indent = text.slice(0, cmd.at.column)
  const after = script.text.split('\n').slice(cmd.at.line + 1)
  if (indent.trim() || text.slice(cmd.end.column).trim() || after.some((l) => l.trim() && !l.trim().startsWith('#'))) return undefined
  return { cmd, line: cmd.at.line, indent, command: text.slice(cmd.at.column, cmd.end.column) }
}

/** The block's last command, when it is a bare `chroot DIR` alone on its line: the reader goes in. */
function trailingChroot(script: ShellScript): { line: number; indent: string; command: string; dir: string } | undefined {
  const t = trailing(script)
  const p = t && programOf(t.cmd)
  if (!t || !p || !isBare(t.cmd, 'chroot')) return undefined
  const dir = p.args.at(-1)!
  return dir.literal === undefined ? undefined : { line: t.line, indent: t.indent, command: t.command, dir: dir.literal }
}

/** ssh's options that take a value (ssh(1)). */
const SSH_VALUE_OPTIONS = new Set('BbcDEeFIiJLlmOoPpQRSWw'.split(''))

/** The block's last command, when it is a bare `ssh [OPTIONS] HOST` (no command) alone on its line: the reader types on the remote host. */
function trailingSsh(script: ShellScript): { line: number; indent: string; command: string; host: ImportedHost } | undefined {
  const t = trailing(script)
  const p = t && programOf(t.cmd)
  if (!t || !p || !t.cmd.alone || p.name.literal !== 'ssh') return undefined
  const words = p.args.map((a) => a.literal)
  if (words.some((w) => w === undefined)) return undefined
  const host: ImportedHost = { ssh: '' }
  const options: Record<string, string> = {}
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!
    if (!w.startsWith('-') || w === '-') {
      // The destination, and nothing after it: a command after it would not open a shell.
      if (host.ssh || i !== words.length - 1) return undefined
      host.ssh = w
      continue
    }
    const flag = w[1]!
    if (!SSH_VALUE_OPTIONS.has(flag)) continue
    const value = w.length > 2 ? w.slice(2) : words[++i]
    if (value === undefined) return undefined
    if (flag === 'p' && /^\d+$/.test(value)) host.port = Number(value)
    else if (flag === 'i') host.identity = value
    else if (flag === 'l') host.user = value
    else if (flag === 'o' && /^(\w+)[= ](.+)$/.test(value)) options[/^(\w+)/.exec(value)![1]!] = value.replace(/^\w+[= ]/, '')
    else if (flag === 'J') options.ProxyJump = value
  }
  if (!host.ssh) return undefined
  if (Object.keys(options).length) host.options = options
  return { line: t.line, indent: t.indent, command: t.command, host }
}

/**
 * A block's first non-blank line as the runbook writes it — with its `$ ` prompt, which the
 * document has too (the block's content is its commands alone) — the fence's indentation or
 * quote markers left out.
 */
function firstLineAsWritten(lines: string[], b: Block): string | undefined {
  const start = b.position.start.line - 1
  const prefix = /^[\s>]*/.exec(lines[start]!)![0]
  // An indented code block (a Markdown document's) has no fence: its content starts at once.
  const fenced = /^(?:`{3,}|~{3,})/.test(lines[start]!.slice(prefix.length))
  for (let i = fenced ? start + 1 : start; i < (fenced ? b.position.end.line - 1 : b.position.end.line); i++) {
    const line = lines[i]!
    const text = (line.startsWith(prefix) ? line.slice(prefix.length) : line).trim()
    if (text) return text
  }
  return undefined
}

/** A remote host the reader logged in to, as the front matter's `hosts:` spells it. */
interface ImportedHost {
  ssh: string
  port?: number
  identity?: string
  /** `-l USER`: folded into `ssh` as USER@HOST. */
  user?: string
  options?: Record<string, string>
}

export interface Inference {
  /** Runbook line of the block's opening fence. */
  line: number
  target: string
  why: string
}

type Where = { kind: 'host' } | { kind: 'chroot'; name: string; dir: string } | { kind: 'ssh'; name: string } | { kind: 'guest'; name: string; launcher: Where }

const nameOf = (w: Where) => (w.kind === 'host' ? 'host' : w.name)
/** Where a guest started from within a guest would really run: its launcher. */
const launcherOf = (w: Where): Where => (w.kind === 'guest' ? w.launcher : w)

/** The imported runbook text with inferred targets; and what was inferred, for `docrun import` to say. */
export async function inferTargets(
  markdown: string,
  source?: string,
  reading?: Reading,
): Promise<{ text: string; inferences: Inference[]; chroots: Record<string, string>; hosts: Record<string, ImportedHost> }> {
  const read = reading ?? new Reading(await shellParser())
  const runbook = read.runbook(markdown)
  const lines = markdown.split('\n')
  const attrsAt = new Map<number, string[]>()
  const commentsBefore = new Map<number, string>()
  const inferences: Inference[] = []
  const chroots: Record<string, string> = {}
  const hosts: Record<string, ImportedHost> = {}
  const docLines = source?.split('\n')
  const documentLines: number[] = []
  let searchFrom = 0
  let where = { kind: 'host' } as Where
  let whyHere = ''
  for (const b of runbook.blocks) {
    const open = b.position.start.line - 1
    const attrs: string[] = []
    // Which of the document's literal blocks this is (its ordinal: the same in every edition),
    // and the line it starts on (found in order: pandoc keeps a literal block's lines as they are).
    attrs.push(`mirrors=${b.index + 1}`)
    if (docLines) {
      const first = firstLineAsWritten(lines, b)
      const at = first === undefined ? -1 : docLines.findIndex((l, i) => i >= searchFrom && sameLine(l, first))
      documentLines.push(at >= 0 ? at + 1 : 0)
      if (at >= 0) searchFrom = at + 1
    }
    if (b.kind !== 'shell') {
      if (attrs.length) attrsAt.set(open, attrs)
      continue
    }
    const script = read.shell(b.content)
    let here: Where = where
    // A command that reaches into a running guest from outside belongs where QEMU runs.
    if (where.kind === 'guest' && fromOutside(script)) {
      here = where.launcher
      commentsBefore.set(open, `<!-- docrun import: runs where QEMU runs (${nameOf(here)}), not in the guest: it talks to the guest from outside -->`)
    } else if (whyHere) {
      commentsBefore.set(open, `<!-- docrun import: ${whyHere} -->`)
      whyHere = ''
    }
    if (here.kind !== 'host') attrs.push(`target=${nameOf(here)}`)
    if (startsConsoleGuest(script)) {
      const guest = 'vm'
      attrs.push(`guest=${guest}`)
      const prev = commentsBefore.get(open)
      const why = `QEMU with its console on stdio: docrun starts it as guest \`${guest}\` and runs the blocks after it in the guest`
      commentsBefore.set(open, prev ? `${prev}\n<!-- docrun import: ${why} -->` : `<!-- docrun import: ${why} -->`)
      inferences.push({ line: open + 1, target: `guest ${guest} (started from ${nameOf(here)})`, why })
      where = { kind: 'guest', name: guest, launcher: launcherOf(here) }
      whyHere = `runs in guest \`${guest}\`, started by the QEMU block above`
    } else if (here.kind !== 'host')
      inferences.push({ line: open + 1, target: nameOf(here), why: here === where ? 'follows the reader' : 'talks to the guest from outside' })
    // The block's last command a bare chroot: the reader is inside from the next block on.
    const m = trailingChroot(script)
    if (m) {
      const dir = m.dir
      const name =
        dir
          .replace(/\/+$/, '')
          .split('/')
          .pop()!
          .replace(/[^\w.-]/g, '_') || 'chroot'
      chroots[name] = dir
      // Fed no terminal the bare chroot would return at once: the following blocks go in instead.
      const lineNo = open + 1 + m.line
      lines[lineNo] = `${m.indent}# ${m.command}  # docrun: the blocks after this one run in chroot ${name}`
      where = { kind: 'chroot', name, dir }
      whyHere = `runs in chroot \`${name}\` (${dir}): the block before ends in a bare \`${m.command}\`, and its reader went on typing inside`
    }
    const login = m ? undefined : trailingSsh(script)
    if (login) {
      const name = hostName(login.host, hosts)
      const { user, ...spec } = login.host
      hosts[name] = user && !spec.ssh.includes('@') ? { ...spec, ssh: `${user}@${spec.ssh}` } : spec
      // Fed no terminal the bare ssh would open no shell: the following blocks run on the remote host.
      lines[open + 1 + login.line] = `${login.indent}# ${login.command}  # docrun: the blocks after this one run on host ${name}`
      where = { kind: 'ssh', name }
      whyHere = `runs on host \`${name}\` over SSH: the block before ends in a bare \`${login.command}\`, and its reader went on typing there`
    }
    if (attrs.length) attrsAt.set(open, attrs)
  }
  // Fences get their attributes; comments go on the line before each block.
  const out: string[] = []
  lines.forEach((line, i) => {
    const c = commentsBefore.get(i)
    if (c) out.push(c)
    const a = attrsAt.get(i)
    out.push(a ? `${line} {${a.join(' ')}}` : line)
  })
  const text = withFrontMatter(out.join('\n'), documentLines, chroots, hosts)
  return { text, inferences, chroots, hosts }
}

/** A target name for a host the reader logged in to: its host name's first label (`test-box.lab` → `test-box`), unique. */
function hostName(host: ImportedHost, taken: Record<string, ImportedHost>): string {
  const base =
    host.ssh
      .replace(/^.*@/, '')
      .split('.')[0]!
      .replace(/[^\w-]/g, '_')
      .replace(/^[^A-Za-z]/, 'h') || 'remote'
  const name = ['host', 'chroot', 'guest'].includes(base) ? `${base}-ssh` : base
  const same = (h: ImportedHost) => JSON.stringify(h) === JSON.stringify(host)
  if (!taken[name] || same(taken[name])) return name
  for (let n = 2; ; n++) if (!taken[`${name}-${n}`] || same(taken[`${name}-${n}`]!)) return `${name}-${n}`
}

/**
 * The front matter gets what was inferred, after what the import wrote: built as a YAML
 * document (a directory with `: ` or ` #` in it stays one string), its comments on the lines
 * they describe.
 */
function withFrontMatter(text: string, documentLines: number[], chroots: Record<string, string>, hosts: Record<string, ImportedHost>): string {
  const close = text.startsWith('---\n') ? text.indexOf('\n---\n', 3) : -1
  if (close < 0 || (!documentLines.length && !Object.keys(chroots).length && !Object.keys(hosts).length)) return text
  const doc = parseDocument(text.slice(4, close + 1))
  if (documentLines.length) {
    const lines = doc.createNode(documentLines, { flow: true })
    lines.comment = ' the document line of each literal block (mirrors=N is block N)'
    doc.set('imported-lines', lines)
  }
  if (Object.keys(chroots).length) {
    const key = new Scalar('chroots')
    key.comment = ' inferred from bare `chroot DIR` commands'
    doc.delete('chroots')
    doc.add(new Pair(key, doc.createNode(chroots)))
  }
  if (Object.keys(hosts).length) {
    const key = new Scalar('hosts')
    key.comment = ' inferred from bare `ssh HOST` commands (host keys: known_hosts, as ssh checks them)'
    doc.delete('hosts')
    doc.add(new Pair(key, doc.createNode(hosts, { flow: false })))
  }
  // Two spaces before a line comment, as the rest of the runbook's front matter has them.
  const yaml = doc.toString({ lineWidth: 0, flowCollectionPadding: false, commentString: (c) => c.replace(/^(?!$)(?: $)?/gm, ' #') })
  return `---\n${yaml}${text.slice(close + 1)}`
}
