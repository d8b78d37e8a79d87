// `docrun lint --probe --tree DIR`: the paths and make targets a document expects of the
// kernel tree, checked against a tree (built, for paths of build products): a boot image path
// that moved, a selftests target the Makefile now skips by default.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Plan } from '../plan/types.js'
import type { ProbeFinding } from './probe.js'

/** `linux/PATH` or `./linux/PATH` in a command: a path into the kernel tree. */
const TREE_PATH = /(?:^|[\s=,])(?:\.\/)?linux\/([^\s,'"\\;|&)]+)/g

export function probeTree(plan: Plan, tree: string): ProbeFinding[] {
  const findings: ProbeFinding[] = []
  const skipped = skipTargets(tree)
  for (const step of plan.steps) {
    if (step.action !== 'run' && step.action !== 'boot') continue
    const lines = step.content.split('\n')
    lines.forEach((line, i) => {
      for (const m of line.replace(/#.*$/, '').matchAll(TREE_PATH)) {
        const rel = m[1]!.replace(/\/+$/, '')
        if (existsSync(join(tree, rel))) continue
        findings.push({ step, line: i, column: m.index + m[0].indexOf('linux/'), message: `\`linux/${rel}\`: no such path in the kernel tree ${tree}${nearby(tree, rel)}` })
      }
    })
    // `make -C tools/testing/selftests TARGETS=X ...` (continued over lines) without SKIP_TARGETS=.
    for (let i = 0; i < lines.length; i++) {
      let j = i
      while (j < lines.length - 1 && lines[j]!.endsWith('\\')) j++
      const cmd = lines.slice(i, j + 1).join(' ')
      const targets = /\bTARGETS=("?)([\w -]+)\1/.exec(cmd.replace(/\bSKIP_TARGETS=\S*/g, ''))
      if (/-C\s+(?:\S*\/)?tools\/testing\/selftests\b(?!\/)/.test(cmd) && targets && !/\bSKIP_TARGETS=/.test(cmd) && skipped.length) {
        const hit = targets[2]!.split(/\s+/).filter((t) => skipped.includes(t))
        const at = lines.findIndex((l, k) => k >= i && k <= j && l.includes('TARGETS='))
        if (hit.length) findings.push({ step, line: at, column: lines[at]!.indexOf('TARGETS='), message: `\`TARGETS=${hit.join(' ')}\`: tools/testing/selftests/Makefile skips ${hit.join(', ')} unless told otherwise (\`SKIP_TARGETS ?= ${skipped.join(' ')}\`), so this builds nothing: add \`SKIP_TARGETS=\`` })
      }
      i = j
    }
  }
  return findings
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
