// `docrun lint --probe`: check cheaply, without changing the host, what a document assumes of
// the archive it installs from. Every package an `apt-get install`/`apt install` line or a
// debootstrap `--include=` names is looked up in the suite and architectures the document
// itself uses (its debootstrap suite, `dpkg --add-architecture`, `--arch=`), through a private
// apt state under the cache directory — never the host's apt sources or dpkg database.
import { execa } from 'execa'
import { mkdir, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Plan, Step } from '../plan/types.js'
import { probeCommands } from './probe-commands.js'

export interface PackageUse {
  step: Step
  /** 0-based line in the block. */
  line: number
  name: string
  column: number
  arch?: string
  via: 'apt' | 'debootstrap'
}

export interface ProbeFinding {
  step: Step
  line: number
  column: number
  message: string
}

/** The suite, mirror and architectures the document's own commands name. */
export function archiveOf(plan: Plan, hostArch: string): { suite: string; mirror: string; arches: string[] } {
  let suite = ''
  let mirror = ''
  const arches = new Set([hostArch])
  for (const s of plan.steps) {
    if (s.action !== 'run' && s.action !== 'boot') continue
    const text = withParams(joinContinued(s.content), plan)
    // At a command's start: `apt-get install debootstrap dwarves` names no suite.
    for (const m of text.matchAll(/(?:^|[\n;&|]\s*|\bsudo\s+)debootstrap\s+((?:--?[\w-]+(?:=(?:"[^"]*"|\S+))?\s+)*)([a-z][\w-]*)\s+\S+(?:\s+(https?:\/\/\S+))?/g)) {
      suite ||= m[2]!
      if (m[3]) mirror ||= m[3]
      const arch = /--arch=(\S+)/.exec(m[1]!)
      if (arch) arches.add(arch[1]!)
    }
    for (const m of text.matchAll(/dpkg\s+--add-architecture\s+(\S+)/g)) arches.add(m[1]!)
  }
  return { suite: suite || 'stable', mirror: mirror || 'http://deb.debian.org/debian', arches: [...arches] }
}

/** `"$suite"`, `${suite}` and `$suite` as the runbook's params say (the defaults, or --set). */
function withParams(text: string, plan: Plan): string {
  const value = new Map(plan.params.map((p) => [p.name, p.value]))
  return text.replace(/"?\$(?:\{(\w+)\}|(\w+))"?/g, (all, a?: string, b?: string) => value.get((a ?? b)!) ?? all)
}

function joinContinued(text: string): string {
  return text.replace(/\\\n/g, ' ')
}

/** Packages the blocks install, with the block line each is named on. */
export function packageUses(plan: Plan): PackageUse[] {
  const out: PackageUse[] = []
  for (const step of plan.steps) {
    if (step.action !== 'run') continue
    const lines = step.content.split('\n')
    let mode: 'apt' | 'debootstrap' | undefined
    let inInclude = false
    // One command (continued lines): a debootstrap's packages are for its --arch, wherever that is.
    let command: PackageUse[] = []
    let arch: string | undefined
    const endCommand = () => out.push(...command.map((u) => (u.via === 'debootstrap' && !u.arch && arch ? { ...u, arch } : u)))
    lines.forEach((raw, i) => {
      const line = raw.replace(/#.*$/, '')
      // A command starts the mode; inside a continued `apt-get install` a package named debootstrap does not.
      if (!mode && /\bapt(?:-get)?\s+(?:-\S+\s+)*install\b/.test(line)) mode = 'apt'
      else if (!mode && /\bdebootstrap\b/.test(line)) mode = 'debootstrap'
      if (mode === 'debootstrap') arch ??= /--arch[= ](\S+)/.exec(line)?.[1]
      const words: { w: string; col: number }[] = []
      if (mode === 'apt') {
        const from = line.search(/\binstall\b/)
        const part = from >= 0 ? line.slice(from + 'install'.length) : line
        const base = from >= 0 ? from + 'install'.length : 0
        for (const m of part.matchAll(/[^\s\\]+/g)) if (!m[0].startsWith('-')) words.push({ w: m[0], col: base + m.index })
      } else if (mode === 'debootstrap') {
        const inc = /--include=("?)/.exec(line)
        if (inc) inInclude = true
        if (inInclude) {
          const start = inc ? inc.index + inc[0].length : 0
          for (const m of line.slice(start).matchAll(/[a-z0-9][a-z0-9+.:-]+/g)) words.push({ w: m[0], col: start + m.index })
          if (inc ? /"\s*\\?\s*$/.test(line.slice(start)) && line.slice(start).includes('"') : /"/.test(line)) inInclude = false
          if (inc && !inc[1]) inInclude = false
        }
      }
      for (const { w, col } of words) {
        const [name, qualifier] = w.split(':')
        if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name!)) continue
        command.push({ step, line: i, column: col, name: name!, ...(qualifier ? { arch: qualifier } : {}), via: mode! })
      }
      if (!line.trimEnd().endsWith('\\')) {
        endCommand()
        command = []
        arch = undefined
        mode = undefined
        inInclude = false
      }
    })
    // A block that ends in a continuation still named its packages.
    endCommand()
  }
  return out
}

export interface ProbeOptions {
  cacheDir?: string
  hostArch?: string
}

/** Look each package up in the document's archive; findings for the ones that are not there. */
export async function probePackages(plan: Plan, opts: ProbeOptions = {}): Promise<{ findings: ProbeFinding[]; archive: string }> {
  const hostArch = opts.hostArch ?? (await execa('dpkg', ['--print-architecture'])).stdout.trim()
  const { suite, mirror, arches } = archiveOf(plan, hostArch)
  const dir = join(opts.cacheDir ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'docrun'), 'probe', `${suite}-${arches.join('+')}`)
  await mkdir(join(dir, 'state/lists/partial'), { recursive: true })
  await mkdir(join(dir, 'cache/archives/partial'), { recursive: true })
  await writeFile(join(dir, 'sources.list'), `deb [arch=${arches.join(',')} signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} ${suite} main\n`)
  const o = [
    '-o', `Dir::State=${join(dir, 'state')}`, '-o', `Dir::Cache=${join(dir, 'cache')}`,
    '-o', `Dir::Etc::SourceList=${join(dir, 'sources.list')}`, '-o', 'Dir::Etc::SourceParts=/nonexistent',
    '-o', 'Dir::State::status=/dev/null', '-o', `APT::Architecture=${hostArch}`, '-o', `APT::Architectures=${arches.join(',')}`,
    // A probe asks what exists; an old snapshot's Release file is still an answer.
    '-o', 'Acquire::Check-Valid-Until=false', '-o', 'APT::Sandbox::User=root',
  ]
  const up = await execa('apt-get', ['-q', ...o, 'update'], { reject: false })
  if (up.exitCode !== 0) throw new Error(`apt-get update of ${mirror} ${suite} (${arches.join(', ')}) failed: ${up.stderr.trim().split('\n').pop()}`)
  const uses = packageUses(plan)
  const archOf = (u: PackageUse) => u.arch ?? hostArch
  const keyOf = (name: string, arch: string) => (arch === hostArch ? name : `${name}:${arch}`)
  const names = [...new Set(uses.map((u) => keyOf(u.name, archOf(u))))]
  // One apt-cache call for all: `showpkg` lists each name's versions and who provides it.
  const show = await execa('apt-cache', [...o, 'showpkg', ...names], { reject: false })
  const info = parseShowpkg(show.stdout)
  const findings: ProbeFinding[] = []
  for (const u of uses) {
    const arch = archOf(u)
    const i = info.get(keyOf(u.name, arch))
    if (i?.versions.length) continue
    const providers = [...new Set(i?.providers ?? [])]
    const where = `${suite}${arches.length > 1 ? ` (${arch})` : ''}`
    const message = providers.length
      ? `\`${u.name}\`: no such package in ${where}; ${providers.join(', ')} provide${providers.length === 1 ? 's' : ''} it`
      : `\`${u.name}\`: no such package in ${where}`
    findings.push({ step: u.step, line: u.line, column: u.column, message })
  }
  // Programs the document runs in its chroot that its packages do not ship (moved elsewhere).
  const installs = [...new Set(uses.filter((u) => u.via === 'apt' && archOf(u) === hostArch && info.get(u.name)?.versions.length).map((u) => u.name))]
  findings.push(...(await probeCommands(plan, { aptOptions: o, dir, mirror, suite, hostArch, installs })))
  return { findings, archive: `${mirror} ${suite} [${arches.join(', ')}]` }
}

interface PkgInfo {
  versions: { version: string; arches: Set<string> }[]
  providers: string[]
}

/** `apt-cache showpkg`: per package, its versions (with architectures) and its reverse provides. */
export function parseShowpkg(text: string): Map<string, PkgInfo> {
  const out = new Map<string, PkgInfo>()
  let cur: PkgInfo | undefined
  let section = ''
  for (const line of text.split('\n')) {
    const pkg = /^Package: (\S+)/.exec(line)
    if (pkg) {
      cur = { versions: [], providers: [] }
      // `iproute2` (the native architecture) and `iproute2:s390x` are different packages to apt.
      out.set(pkg[1]!, cur)
      section = ''
      continue
    }
    if (!cur) continue
    if (/^(?:Versions|Reverse Depends|Dependencies|Provides|Reverse Provides):/.test(line)) {
      section = line.split(':')[0]!
      continue
    }
    if (!line.trim()) continue
    if (section === 'Versions') {
      const v = /^(\S+) \((.*)\)/.exec(line)
      if (v) {
        // `(/var/lib/apt/lists/..._binary-s390x_Packages)`: the architectures it is listed for.
        const arches = new Set([...v[2]!.matchAll(/binary-([\w-]+)_Packages/g)].map((m) => m[1]!))
        cur.versions.push({ version: v[1]!, arches })
      }
    } else if (section === 'Reverse Provides') {
      const p = /^(\S+) /.exec(line)
      if (p) cur.providers.push(p[1]!.split(':')[0]!)
    }
  }
  return out
}
