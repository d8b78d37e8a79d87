// `docrun list RUNBOOK`: the plan, section by section, as `docrun run` would walk it.
import { buildPlan } from '../plan/plan.js'
import type { Plan } from '../plan/types.js'
import { skipWords } from '../plan/skip.js'
import { hasErrors } from '../runbook/parse-cached.js'
import { EXIT } from '../common/exit-codes.js'
import { MASK } from '../common/mask.js'
import { loadDocument } from './import.js'
import { formatDiagnostics, parseSets } from './load.js'

const out = (s: string) => process.stdout.write(`${s}\n`)

function attrsText(attrs: Record<string, unknown>): string {
  return Object.entries(attrs)
    .map(([k, v]) => (v === true ? k : `${k}=${typeof v === 'string' && /\s/.test(v) ? JSON.stringify(v) : String(v)}`))
    .join(' ')
}

export async function listCommand(path: string, opts: { json?: boolean; set?: string[]; inferExpect?: boolean }): Promise<number> {
  const { runbook, file } = await loadDocument(path, { inferExpect: opts.inferExpect !== false })
  const plan = buildPlan(runbook, file, { sets: parseSets(opts.set) })
  if (hasErrors(file)) process.stderr.write(`${await formatDiagnostics(file)}\n`)
  if (opts.json) {
    out(JSON.stringify(plan, null, 2))
    return hasErrors(file) ? EXIT.usage : EXIT.ok
  }
  out(`${plan.runbook.title ?? path}  (sha256 ${plan.runbook.sha256.slice(0, 12)})`)
  if (plan.runbook.dialect === 'runme' || plan.host.cwd || plan.host.shell !== 'bash') {
    out(
      `${plan.runbook.dialect === 'runme' ? 'written for Runme; ' : ''}host blocks run in ${plan.host.shell}, starting in ${plan.host.cwd ?? 'the workspace'}`,
    )
  }
  const given = plan.params.filter((p) => !p.missing)
  if (given.length) out(`params: ${given.map((p) => `${p.name}=${p.secret ? MASK : JSON.stringify(p.value)}`).join(' ')}`)
  const missing = plan.params.filter((p) => p.missing)
  if (missing.length) {
    out(`required params (a run needs each: --set NAME=VALUE):`)
    for (const p of missing) out(`  ${p.name}${p.missing?.line !== undefined ? `  line ${p.missing.line}` : ''}${p.description ? `  ${p.description}` : ''}`)
  }
  const bySection = new Map<string, Plan['steps']>()
  for (const s of plan.steps) {
    const k = s.section?.id ?? ''
    bySection.set(k, [...(bySection.get(k) ?? []), s])
  }
  const printSteps = (steps: Plan['steps'] | undefined, indent: string) => {
    for (const s of steps ?? []) {
      const what =
        s.action === 'file'
          ? `file → ${s.file!.path}${s.file!.append ? ' (append)' : ''}`
          : s.action === 'copy'
            ? `copy ${s.copy!.from.name} → ${s.copy!.to.name} (${s.copy!.items.length} item${s.copy!.items.length === 1 ? '' : 's'})`
            : s.action === 'none'
              ? 'data'
              : s.action === 'boot'
                ? `boot guest ${s.boot!.guest}`
                : s.interpreter
                  ? `run with ${s.interpreter}`
                  : 'run'
      const tty = s.tty ? ` in a ${s.tty.cols}x${s.tty.rows} terminal` : ''
      const attrs = attrsText(s.attrs)
      out(
        `${indent}${s.skip ? '-' : '•'} ${s.id}  [${s.lang || '-'}] ${what}${tty} @ ${s.target.name}${attrs ? `  {${attrs}}` : ''}${s.skip ? `  (${skipWords(s.skip)})` : ''}  line ${s.position.start.line}`,
      )
    }
  }
  printSteps(bySection.get(''), '')
  for (const sec of plan.sections) {
    out(`${'  '.repeat(Math.max(0, sec.depth - 1))}${sec.label}  #${sec.id}`)
    printSteps(bySection.get(sec.id), `${'  '.repeat(sec.depth)}`)
  }
  return hasErrors(file) ? EXIT.usage : EXIT.ok
}
