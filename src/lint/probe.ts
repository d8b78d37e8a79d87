// `docrun lint --probe`: check cheaply, without changing the host, what a document assumes of
// the archive it installs from. Every package an `apt-get install`/`apt install` line or a
// debootstrap `--include=` names is looked up in the suite and architectures the document
// itself uses (its debootstrap suite, `dpkg --add-architecture`, `--arch=`), through a private
// apt state under the cache directory — never the host's apt sources or dpkg database.
// execa on first use (awaited calls only): `docrun lint` without --probe never loads it.
import { execaWhenUsed as execa } from '../common/load-execa.js'
import { mkdir, writeFile } from 'node:fs/promises'
import { homedir } from 'node:os'
import { join } from 'node:path'
import type { Plan, Step } from '../plan/types.js'
import { placeIn, programOf, shellParser, type ShellWord, type SimpleCommand } from '../syntax/shell.js'
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

/** Each shell block of the plan the probe reads (`run`, or `boot` too), with its commands. */
async function commandsOf(plan: Plan, withBoot: boolean): Promise<{ step: Step; cmd: SimpleCommand; program: NonNullable<ReturnType<typeof programOf>> }[]> {
  const parse = await shellParser()
  return plan.steps
    .filter((s) => (s.action === 'run' || (withBoot && s.action === 'boot')) && !s.interpreter)
    .flatMap((step) => parse(step.content).commands.map((cmd) => ({ step, cmd, program: programOf(cmd)! })))
    .filter((c) => c.program)
}

/** The suite, mirror and architectures the document's own commands name. */
export async function archiveOf(plan: Plan, hostArch: string): Promise<{ suite: string; mirror: string; arches: string[] }> {
  let suite = ''
  let mirror = ''
  const arches = new Set([hostArch])
  const value = valueWithParams(plan)
  for (const { program } of await commandsOf(plan, true)) {
    const words = program.args.map(value)
    if (program.name.literal === 'debootstrap') {
      // `debootstrap [OPTIONS] SUITE TARGET [MIRROR]` (`apt-get install debootstrap` names no suite).
      const operands = words.filter((w) => !w?.startsWith('-'))
      if (operands[0] && /^[a-z][\w-]*$/.test(operands[0]) && operands.length >= 2) {
        suite ||= operands[0]
        if (operands[2] && /^https?:\/\//.test(operands[2])) mirror ||= operands[2]
      }
      const arch = words.map((w) => /^--arch=(\S+)/.exec(w ?? '')?.[1]).find(Boolean)
      if (arch) arches.add(arch)
    }
    if (program.name.literal === 'dpkg') {
      const i = words.indexOf('--add-architecture')
      if (i >= 0 && words[i + 1]) arches.add(words[i + 1]!)
    }
  }
  return { suite: suite || 'stable', mirror: mirror || 'http://deb.debian.org/debian', arches: [...arches] }
}

/** A word's value: its literal text, or `"$suite"`, `${suite}`, `$suite` as the runbook's params say (the defaults, or --set). */
function valueWithParams(plan: Plan): (word: ShellWord) => string | undefined {
  const params = new Map(plan.params.map((p) => [p.name, p.value]))
  return (word) => word.literal ?? params.get(/^"?\$(?:\{(\w+)\}|(\w+))"?$/.exec(word.text)?.slice(1).find(Boolean) ?? '')
}

/** Packages the blocks install, with the block line each is named on. */
export async function packageUses(plan: Plan): Promise<PackageUse[]> {
  const out: PackageUse[] = []
  for (const { step, program } of await commandsOf(plan, false)) {
    const name = program.name.literal
    const sub = program.args.find((a) => !a.text.startsWith('-'))
    if ((name === 'apt-get' || name === 'apt') && sub?.literal === 'install') {
      for (const w of program.args.slice(program.args.indexOf(sub) + 1)) {
        if (!w.text.startsWith('-') && w.literal) out.push(...packagesIn(step, w, 0, w.literal, 'apt'))
      }
    } else if (name === 'debootstrap') {
      // The packages are for the debootstrap's --arch, wherever on its continued lines that is.
      const arch = program.args.map((a) => /^--arch=(\S+)/.exec(a.literal ?? '')?.[1]).find(Boolean)
      for (const w of program.args) {
        const inc = /^--include=/.exec(w.text)
        if (!inc) continue
        for (const m of w.text.slice(inc[0].length).matchAll(/[a-z0-9][a-z0-9+.:-]+/g)) {
          out.push(...packagesIn(step, w, inc[0].length + m.index, m[0], 'debootstrap').map((u) => (!u.arch && arch ? { ...u, arch } : u)))
        }
      }
    }
  }
  return out
}

/** `name` or `name:arch` named at offset `at` of `word`, as a use (when it is a package name). */
function packagesIn(step: Step, word: ShellWord, at: number, text: string, via: PackageUse['via']): PackageUse[] {
  const [name, qualifier] = text.split(':')
  if (!/^[a-z0-9][a-z0-9+.-]+$/.test(name!)) return []
  const { line, column } = placeIn(word, at)
  return [{ step, line, column, name: name!, ...(qualifier ? { arch: qualifier } : {}), via }]
}

export interface ProbeOptions {
  cacheDir?: string
  hostArch?: string
}

/** Look each package up in the document's archive; findings for the ones that are not there. */
export async function probePackages(plan: Plan, opts: ProbeOptions = {}): Promise<{ findings: ProbeFinding[]; archive: string }> {
  const hostArch = opts.hostArch ?? (await execa('dpkg', ['--print-architecture'])).stdout.trim()
  const { suite, mirror, arches } = await archiveOf(plan, hostArch)
  const dir = join(opts.cacheDir ?? join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'docrun'), 'probe', `${suite}-${arches.join('+')}`)
  await mkdir(join(dir, 'state/lists/partial'), { recursive: true })
  await mkdir(join(dir, 'cache/archives/partial'), { recursive: true })
  await writeFile(
    join(dir, 'sources.list'),
    `deb [arch=${arches.join(',')} signed-by=/usr/share/keyrings/debian-archive-keyring.gpg] ${mirror} ${suite} main\n`,
  )
  const o = [
    '-o',
    `Dir::State=${join(dir, 'state')}`,
    '-o',
    `Dir::Cache=${join(dir, 'cache')}`,
    '-o',
    `Dir::Etc::SourceList=${join(dir, 'sources.list')}`,
    '-o',
    'Dir::Etc::SourceParts=/nonexistent',
    '-o',
    'Dir::State::status=/dev/null',
    '-o',
    `APT::Architecture=${hostArch}`,
    '-o',
    `APT::Architectures=${arches.join(',')}`,
    // A probe asks what exists; an old snapshot's Release file is still an answer.
    '-o',
    'Acquire::Check-Valid-Until=false',
    '-o',
    'APT::Sandbox::User=root',
  ]
  const up = await execa('apt-get', ['-q', ...o, 'update'], { reject: false })
  if (up.exitCode !== 0) throw new Error(`apt-get update of ${mirror} ${suite} (${arches.join(', ')}) failed: ${up.stderr.trim().split('\n').pop()}`)
  const uses = await packageUses(plan)
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
