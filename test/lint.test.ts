// Lint rules on small runbooks: what is flagged, where, and what is not.
import { describe, expect, it } from 'vitest'
import { parseRunbook } from '../src/runbook/parse.js'
import { buildPlan } from '../src/plan/plan.js'
import { lintPlan } from '../src/lint/lint.js'

async function lint(md: string) {
  const { runbook, file } = parseRunbook(md, 'l.md')
  await lintPlan(runbook, buildPlan(runbook, file), file)
  return file.messages.map((m) => `${m.line}:${m.column} ${m.ruleId} ${m.fatal === true ? 'error' : m.fatal === false ? 'warning' : 'info'}`)
}

describe('lint', () => {
  it('flags a foreground QEMU but not `--version`, `-cpu help` or a {guest=} block', async () => {
    const out = await lint(
      '# L\n\n```sh\nqemu-system-s390x --version\nqemu-system-s390x -cpu help\nqemu-system-s390x \\\n  -nographic -kernel k\n```\n\n```sh {guest=vm}\nqemu-system-s390x -nographic\n```\n',
    )
    expect(out.filter((l) => l.includes('interactive'))).toEqual(['6:1 interactive warning'])
  })

  it('tracks variables per target: params, earlier blocks and captures define them; single quotes do not use them', async () => {
    const out = await lint(
      "---\nparams: {JOBS: 2}\nchroots: {c: ./c}\n---\n# L\n\n```sh {capture=LOOP}\nA=1\nlosetup -f\n```\n\n```sh\necho $A $LOOP $JOBS $HOME '$NOPE' ${MISSING}\n```\n\n```sh {target=c}\necho $A\n```\n",
    )
    expect(out.filter((l) => l.includes('undefined-variable'))).toEqual(['13:35 undefined-variable warning', '17:6 undefined-variable warning'])
  })

  it('severities follow the front matter; off silences a rule', async () => {
    const out = await lint('---\nlint: {sudo: error, network: off}\n---\n# L\n\n```sh\nsudo apt-get install -y x\n```\n')
    expect(out).toEqual(['7:1 sudo error'])
  })
})
