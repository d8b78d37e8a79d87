// Every lint rule against its fixtures (test/fixtures/lint/<rule-id>/): not-ok.md gives the
// rule's messages at the lines and columns its `<!-- expect LINE:COLUMN MESSAGE -->` comments
// say (no more, no fewer), ok.md none.
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { lintPlan } from '../src/lint/lint.js'
import { RULES } from '../src/lint/rules/index.js'
import { buildPlan } from '../src/plan/plan.js'
import { parseRunbook } from '../src/runbook/parse.js'
import { FIXTURES } from './helpers/cli.js'

const DIR = join(FIXTURES, 'lint')

async function findings(ruleId: string, name: 'ok' | 'not-ok') {
  const path = join(DIR, ruleId, `${name}.md`)
  const text = readFileSync(path, 'utf8')
  const { runbook, file } = parseRunbook(text, path)
  await lintPlan(runbook, buildPlan(runbook, file), file)
  const expected = [...text.matchAll(/^<!-- expect (\d+:\d+) (.+?) -->$/gm)].map((m) => ({ at: m[1]!, message: m[2]! }))
  const got = file.messages.filter((m) => m.ruleId === ruleId).map((m) => ({ at: `${m.line}:${m.column}`, message: m.reason }))
  // Nothing else may be wrong with a fixture: only the rules' own findings.
  expect(file.messages.filter((m) => m.fatal === true && m.ruleId !== ruleId).map((m) => m.reason)).toEqual([])
  return { expected, got }
}

describe('lint rules', () => {
  it('each rule has a fixture directory, and each directory a rule', () => {
    expect(readdirSync(DIR).sort()).toEqual(RULES.map((r) => r.id).sort())
  })

  it.each(RULES.map((r) => [r.id, r] as const))('%s: not-ok.md gives its messages where expected, ok.md none', async (id, rule) => {
    const bad = await findings(id, 'not-ok')
    expect(bad.expected.length, 'not-ok.md says what it expects').toBeGreaterThan(0)
    expect(bad.got.map((g) => g.at)).toEqual(bad.expected.map((e) => e.at))
    bad.got.forEach((g, i) => expect(g.message.startsWith(bad.expected[i]!.message), `${g.at} ${g.message}`).toBe(true))
    expect((await findings(id, 'ok')).got).toEqual([])
    expect(rule.defaultSeverity).toMatch(/^(?:error|warning|info)$/)
  })

  it("the front matter sets a rule's severity for every finding, runme's own included; off silences it", async () => {
    const text = readFileSync(join(DIR, 'runme/not-ok.md'), 'utf8').replace('---\n#', '---\n#').replace('runme: {', 'lint: {runme: error, sudo: off}\nrunme: {')
    const { runbook, file } = parseRunbook(`${text}\n\`\`\`sh\nsudo true\n\`\`\`\n`, 'sev.md')
    await lintPlan(runbook, buildPlan(runbook, file), file)
    expect(file.messages.map((m) => `${m.ruleId} ${m.fatal}`)).toEqual(['runme true', 'runme true'])
  })
})
