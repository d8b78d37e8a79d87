// The commands a document runs inside the system it builds (its chroot), against what its
// packages install there: a command whose program no installed package ships — while another
// package in the archive does — has moved (qemu-system-s390x left qemu-system-misc for its own
// package). Who ships what comes from the archive's Contents index, fetched by apt's own
// downloader (the host's proxies, the Release file's hash) into the probe's cache.
// execa on first use (awaited calls only): `docrun lint` without --probe never loads it.
import { execaWhenUsed as execa } from '../common/load-execa.js'
import { createReadStream, existsSync } from 'node:fs'
import { readFile, rename } from 'node:fs/promises'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import type { Plan, Step } from '../plan/types.js'
import { isBuiltin, programOf, shellParser } from '../syntax/shell.js'
import type { ProbeFinding } from './probe.js'

export interface CommandUse {
  step: Step
  /** 0-based line in the block. */
  line: number
  column: number
  name: string
}

/** Programs the blocks run on a chroot target, with where each is named. */
export async function commandUses(plan: Plan): Promise<CommandUse[]> {
  const parse = await shellParser()
  const out: CommandUse[] = []
  for (const step of plan.steps) {
    if ((step.action !== 'run' && step.action !== 'boot') || step.target.kind !== 'chroot' || step.interpreter) continue
    for (const cmd of parse(step.content).commands) {
      // `sudo -u nobody make`, `env X=1 nohup dwarves`: the program past the wrappers.
      const name = programOf(cmd)?.name
      const word = name?.literal
      if (!word || isBuiltin(word) || !/^[a-zA-Z][\w.+-]*$/.test(word)) continue
      out.push({ step, line: name.at.line, column: name.at.column, name: word })
    }
  }
  return out
}

export interface ArchiveContext {
  /** apt options that point apt at the probe's private state. */
  aptOptions: string[]
  dir: string
  mirror: string
  suite: string
  hostArch: string
  /** Host-architecture packages the document installs (those that exist). */
  installs: string[]
}

/** Commands whose program none of the installed packages (nor the base system) ships. */
export async function probeCommands(plan: Plan, ctx: ArchiveContext): Promise<ProbeFinding[]> {
  const uses = await commandUses(plan)
  if (!uses.length) return []
  const names = new Set(uses.map((u) => u.name))
  const shippers = await whoShips(names, ctx)
  if (![...shippers.values()].some((s) => s.length)) return []
  const installed = await installSet(ctx)
  const findings: ProbeFinding[] = []
  for (const u of uses) {
    const pkgs = shippers.get(u.name) ?? []
    if (!pkgs.length || pkgs.some((p) => installed.has(p))) continue
    findings.push({
      step: u.step,
      line: u.line,
      column: u.column,
      message: `\`${u.name}\`: none of the packages this document installs in ${ctx.suite} (${ctx.hostArch}) ships it, nor the base system; ${pkgs.join(', ')} ${pkgs.length === 1 ? 'does' : 'do'}`,
    })
  }
  return findings
}

/**
 * What the document's packages and the base system (what debootstrap installs: Priority
 * required and important) may install: their dependencies and recommendations, every
 * alternative counted — a superset, so a finding is never a choice apt might have made.
 */
async function installSet(ctx: ArchiveContext): Promise<Set<string>> {
  const packages = join(ctx.dir, 'state/lists', `${listPrefix(ctx)}_main_binary-${ctx.hostArch}_Packages`)
  const file = [packages, `${packages}.lz4`, `${packages}.gz`, `${packages}.xz`].find((f) => existsSync(f))
  if (!file) throw new Error(`no ${ctx.hostArch} package list for ${ctx.suite} in ${ctx.dir}`)
  const listed = await execa('/usr/lib/apt/apt-helper', ['cat-file', file], { maxBuffer: 1 << 30 })
  const base = [...listed.stdout.matchAll(/^Package: (\S+)\n(?:[^\n]+\n)*?Priority: (?:required|important)$/gm)].map((m) => m[1]!)
  // apt-get -s would pick one alternative each, but takes 20 s with an empty status here.
  const r = await execa(
    'apt-cache',
    [...ctx.aptOptions, 'depends', '--recurse', '--no-suggests', '--no-conflicts', '--no-breaks', '--no-replaces', '--no-enhances', ...ctx.installs, ...base],
    { reject: false, maxBuffer: 1 << 28 },
  )
  if (r.exitCode !== 0) throw new Error(`apt-cache depends of the document's packages failed: ${r.stderr.trim().split('\n').pop()}`)
  return new Set([...r.stdout.matchAll(/^<?([^\s<>:]+)/gm)].map((m) => m[1]!))
}

/** Each program's packages, from Contents-ARCH and Contents-all (bin and sbin paths). */
async function whoShips(names: Set<string>, ctx: ArchiveContext): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>([...names].map((n) => [n, []]))
  for (const arch of [ctx.hostArch, 'all']) {
    for (const line of (await programsIndex(ctx, arch)).split('\n')) {
      // `usr/bin/qemu-system-s390x    otherosfs/qemu-system-s390x`
      const m = /^(?:usr\/)?s?bin\/([^/\s]+)\s+(\S+)$/.exec(line)
      if (!m || !names.has(m[1]!)) continue
      for (const p of m[2]!.split(',')) out.get(m[1]!)!.push(p.split('/').pop()!)
    }
  }
  return new Map([...out].map(([k, v]) => [k, [...new Set(v)]]))
}

/** The bin and sbin lines of a Contents file (a few MB of its hundreds), kept beside it. */
async function programsIndex(ctx: ArchiveContext, arch: string): Promise<string> {
  const { file, sha } = await contentsFile(ctx, arch)
  const index = join(ctx.dir, `programs-${arch}-${sha.slice(0, 16)}.txt`)
  if (!existsSync(index)) {
    // gzip and grep get through 600 MB in seconds; a line-by-line read in JS takes a minute.
    const r = await execa('sh', ['-c', `gzip -dc "$1" | grep -E '^(usr/)?s?bin/[^/[:space:]]+[[:space:]]' > "$2.part"; test "$?" -le 1`, 'sh', file, index], {
      reject: false,
    })
    if (r.exitCode !== 0) throw new Error(`could not read ${file}: ${r.stderr.trim()}`)
    await rename(`${index}.part`, index)
  }
  return readFile(index, 'utf8')
}

/** The suite's Contents-ARCH.gz, cached by the hash its Release file gives. */
async function contentsFile(ctx: ArchiveContext, arch: string): Promise<{ file: string; sha: string }> {
  const key = `main/Contents-${arch}.gz`
  const release = await readFile(join(ctx.dir, 'state/lists', releaseName(ctx)), 'utf8')
  const sha = new RegExp(`^ ([0-9a-f]{64})\\s+\\d+\\s+${key.replace(/[.]/g, '\\.')}$`, 'm').exec(release.slice(release.indexOf('SHA256:')))?.[1]
  if (!sha) throw new Error(`${ctx.suite}'s Release file lists no ${key}`)
  const file = join(ctx.dir, `Contents-${arch}.gz`)
  if (existsSync(file) && (await sha256Of(file)) === sha) return { file, sha }
  const url = `${ctx.mirror.replace(/\/$/, '')}/dists/${ctx.suite}/${key}`
  const r = await execa('/usr/lib/apt/apt-helper', ['-o', 'APT::Sandbox::User=root', 'download-file', url, `${file}.part`, `SHA256:${sha}`], { reject: false })
  if (r.exitCode !== 0) throw new Error(`could not fetch ${url}: ${(r.stderr || r.stdout).trim().split('\n').pop()}`)
  await rename(`${file}.part`, file)
  return { file, sha }
}

/** apt's name for the suite's files in its lists directory. */
function listPrefix(ctx: ArchiveContext): string {
  return `${ctx.mirror
    .replace(/^\w+:\/\//, '')
    .replace(/\/$/, '')
    .replace(/\//g, '_')}_dists_${ctx.suite}`
}

function releaseName(ctx: ArchiveContext): string {
  return `${listPrefix(ctx)}_InRelease`
}

async function sha256Of(file: string): Promise<string> {
  const h = createHash('sha256')
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer)
  return h.digest('hex')
}
