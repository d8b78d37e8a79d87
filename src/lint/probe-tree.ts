// `docrun lint --probe --tree DIR`: the paths and make targets a document expects of the
// kernel tree, checked against a tree (built, for paths of build products): a boot image path
// that moved, a selftests target the Makefile now skips by default.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Plan } from '../plan/types.js'
import { placeIn, shellParser, type Place, type SimpleCommand } from '../syntax/shell.js'
import type { ProbeFinding } from './probe.js'

/** `linux/PATH` or `./linux/PATH` in a word (`-kernel linux/...`, `O=linux/...`): a path into the kernel tree. */
const TREE_PATH = /(?:^|[=,])(?:\.\/)?linux\/([^\s,'"\\;|&)]+)/g

export async function probeTree(plan: Plan, tree: string): Promise<ProbeFinding[]> {
  const parse = await shellParser()
  const findings: ProbeFinding[] = []
  const skipped = skipTargets(tree)
  for (const step of plan.steps) {
    if ((step.action !== 'run' && step.action !== 'boot') || step.interpreter) continue
    for (const cmd of parse(step.content).commands) {
      const words = [...(cmd.name ? [cmd.name] : []), ...cmd.args, ...cmd.redirects.flatMap((r) => (r.target ? [r.target] : []))]
      for (const w of words) {
        for (const m of w.text.matchAll(TREE_PATH)) {
          const rel = m[1]!.replace(/\/+$/, '')
          if (existsSync(join(tree, rel))) continue
          const at = placeIn(w, m.index + m[0].indexOf('linux/'))
          findings.push({ step, ...at, message: `\`linux/${rel}\`: no such path in the kernel tree ${tree}${nearby(tree, rel)}` })
        }
      }
      const skips = selftestsSkip(cmd, skipped)
      if (skips) findings.push({ step, ...skips.at, message: skips.message })
    }
  }
  return findings
}

/** `make -C tools/testing/selftests TARGETS=X` without SKIP_TARGETS= while the Makefile skips X by default. */
function selftestsSkip(cmd: SimpleCommand, skipped: string[]): { at: Place; message: string } | undefined {
  // `TARGETS=bpf make -C ...` counts as much as `make -C ... TARGETS=bpf`.
  const assigned = cmd.assignments.map((a) => {
    const literal = a.value?.literal !== undefined ? `${a.name}=${a.value.literal}` : undefined
    return { text: `${a.name}=${a.value?.text ?? ''}`, literal, at: a.at }
  })
  const words = [...assigned, ...cmd.args]
  const c = cmd.args.findIndex((w) => w.literal === '-C')
  const dir = c >= 0 ? cmd.args[c + 1]?.literal : undefined
  if (!dir || !/^(?:\S*\/)?tools\/testing\/selftests$/.test(dir) || !skipped.length) return undefined
  if (words.some((w) => w.text.startsWith('SKIP_TARGETS='))) return undefined
  const targets = words.find((w) => w.text.startsWith('TARGETS='))
  const hit = (targets?.literal?.slice('TARGETS='.length).trim().split(/\s+/) ?? []).filter((t) => skipped.includes(t))
  if (!targets || !hit.length) return undefined
  const why = `tools/testing/selftests/Makefile skips ${hit.join(', ')} unless told otherwise (\`SKIP_TARGETS ?= ${skipped.join(' ')}\`)`
  return { at: targets.at, message: `\`TARGETS=${hit.join(' ')}\`: ${why}, so this builds nothing: add \`SKIP_TARGETS=\`` }
}

function skipTargets(tree: string): string[] {
  try {
    const mk = readFileSync(join(tree, 'tools/testing/selftests/Makefile'), 'utf8')
    return /^SKIP_TARGETS\s*\?=\s*(.*)$/m.exec(mk)?.[1]?.trim().split(/\s+/) ?? []
  } catch {
    return []
  }
}

/** What the nearest directory that does exist holds (build products first), as a hint. */
function nearby(tree: string, rel: string): string {
  let dir = dirname(rel)
  while (dir !== '.' && !existsSync(join(tree, dir))) dir = dirname(dir)
  const abs = join(tree, dir)
  let names: string[]
  try {
    names = readdirSync(abs).filter((n) => !/\.(?:o|c|h|S|cmd|lds|a)$/.test(n) && !n.startsWith('.') && statSync(join(abs, n)).isFile())
  } catch {
    return ''
  }
  return names.length ? `; ${dir === '.' ? 'the tree' : `${dir}/`} has ${names.slice(0, 6).join(', ')}` : ''
}
