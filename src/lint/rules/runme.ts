// `runme`: where a README relies on Runme behaviour docrun does not have (or has differently).
// Each finding points at the block, with a severity of its own (`lint: {runme: X}` sets one for all).
import type { Block, Runbook } from '../../runbook/types.js'
import { SHELL_LANGS } from '../../runbook/parse.js'
import type { Finding, Rule, RuleContext } from '../rule.js'

interface RunmeFinding {
  block: Block
  message: string
  severity: 'warning' | 'info'
}

const TEXTUAL = /^text\/(?:plain|x-)|^$/

export const runme: Rule = {
  id: 'runme',
  defaultSeverity: 'info',
  description: 'relies on Runme behaviour docrun does not have (or has differently)',
  check: (context) =>
    (context.runbook ? runmeFindings(context.runbook, context) : []).map((f): Finding => ({
      message: f.message,
      severity: f.severity,
      place: f.block.position.start,
    })),
}

function runmeFindings(runbook: Runbook, { plan, blocks }: RuleContext): RunmeFinding[] {
  const out: RunmeFinding[] = []
  const scripts = new Map(blocks.map((s) => [s.step.id, s.script]))
  const fm = runbook.frontmatter
  const steps = new Map(plan.steps.map((s) => [s.id, s]))
  const runme = runbook.dialect === 'runme'
  for (const b of runbook.blocks) {
    const step = steps.get(b.id)
    if (!step || (step.action === 'none' && SHELL_LANGS.has(b.lang))) continue
    const a = b.attrs
    const say = (severity: RunmeFinding['severity'], message: string) => out.push({ block: b, severity, message })
    if (a.background === true && step.target.kind === 'guest')
      say(
        'warning',
        'background=true inside a guest: docrun runs background blocks on the host or in a chroot (the guest console is one shell), so this block fails',
      )
    if (typeof a.category === 'string') say('info', `category=${a.category}: docrun has no run-by-category; select blocks with --only`)
    if (typeof a.mimeType === 'string' && !TEXTUAL.test(a.mimeType))
      say('info', `mimeType=${a.mimeType}: docrun records the output as text and does not render it`)
    if (!runme) continue
    if (a.interactive === true && a.alt === undefined && step.tty)
      say(
        'info',
        `interactive=true: the block gets a ${step.tty.cols}x${step.tty.rows} terminal, as in Runme, but nobody types at it: ` +
          'a command that reads it gets end-of-file',
      )
    const prompts = a.promptEnv !== false && a.promptEnv !== 'false' && a.promptEnv !== 'never' && fm.skipPrompts !== true
    if (prompts && step.action === 'run' && !b.interpreter) {
      // `export X=value`: Runme asks for X first.
      const exports = scripts.get(b.id)?.commands.filter((c) => c.name?.literal === 'export') ?? []
      const exported = exports.flatMap((c) => c.args.map((a) => /^([A-Za-z_]\w*)=/.exec(a.text)?.[1]).filter((n): n is string => !!n))
      if (exported.length)
        say(
          'info',
          `Runme prompts for ${exported.map((n) => `\`${n}\``).join(', ')} before running this block; docrun uses the value written (as Runme does with skipPrompts: true)`,
        )
    }
    if (!b.lang && step.action === 'run') say('info', 'no language: Runme guesses one (Guesslang); docrun runs the block as shell')
    else if (
      b.lang &&
      step.action === 'none' &&
      !SHELL_LANGS.has(b.lang) &&
      !['json', 'yaml', 'yml', 'text', 'txt', 'md', 'markdown', 'console', 'output', 'diff', 'kconfig', 'ini', 'toml', 'xml', 'html', 'css'].includes(b.lang)
    ) {
      say(
        'warning',
        `a \`${b.lang}\` block: Runme may run it; docrun knows no interpreter for ${b.lang} and leaves it out (give it interpreter=PROGRAM to run it)`,
      )
    }
    if (b.prompted?.output.length)
      say(
        'info',
        `${b.prompted.output.length} line(s) after the \`$ \` prompts are output the document shows: they are not run (as in Runme), nor checked (an {expect} block checks output)`,
      )
  }
  return out
}
