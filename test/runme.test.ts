// READMEs written for Runme run unchanged: JSON attributes, `$ ` prompts, a fence without a
// language, excludeFromRunAll, interpreter=, Runme's `interactive`, its front matter.
import { cpSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, events, FIXTURES, latestRun, workspace } from './helpers/cli.js'
import { parseRunbook } from '../src/runbook/parse.js'
import { buildPlan } from '../src/plan/plan.js'
import { lintPlan } from '../src/lint/lint.js'
import { requireTool } from './helpers/chroot.js'

/** What each block printed, in run order (Runme shows each cell's output the same way). */
function outputs(ws: string): string {
  const run = latestRun(ws)
  const ran = events(ws)
    .filter((e) => e.type === 'block-end' && (e.result as { status: string }).status === 'passed')
    .map((e) => e.step as string)
  return ran.map((id) => readFileSync(join(run, 'output', `${id}.log`), 'utf8')).join('')
}

function plan(md: string) {
  const { runbook, file } = parseRunbook(md, '/tmp/doc/README.md')
  return { runbook, plan: buildPlan(runbook, file), file }
}

describe('Runme READMEs', () => {
  it('run as Runme runs them: prompts stripped, output lines not run, export seen by the next block, bare fence as shell in the document directory, python3 cell; excludeFromRunAll left out', async () => {
    await requireTool('python3', 'python3')
    const doc = workspace('docrun-runme-doc-')
    cpSync(join(FIXTURES, 'runme'), doc, { recursive: true })
    const ws = workspace()
    const r = await docrun(['run', join(doc, 'README.md'), '-w', ws], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(outputs(ws)).toBe(readFileSync(join(doc, 'README.expected.txt'), 'utf8'))
    expect(existsSync(join(doc, 'cleaned.txt'))).toBe(false)
    const skipped = events(ws)
      .filter((e) => e.type === 'block-skip')
      .map((e) => `${e.step as string}: ${e.reason as string}`)
    expect(skipped).toEqual(['cleanup: excludeFromRunAll'])

    // Named, it runs (in the document's directory, as Runme would).
    const only = await docrun(['run', join(doc, 'README.md'), '-w', ws, '--only', 'cleanup'], { cwd: ws })
    expect(only.exitCode, only.all).toBe(0)
    expect(readFileSync(join(doc, 'cleaned.txt'), 'utf8')).toBe('cleaned\n')
  })

  it('reads Runme attributes: JSON string booleans, prompts with continuation lines, an interpreter for python fences', () => {
    const { runbook } = plan(
      '```sh {"name":"a","excludeFromRunAll":"true","interactive":"false"}\n$ echo one \\\n>   two\none two\n$ ls\n```\n\n```python\nprint(1)\n```\n',
    )
    expect(runbook.dialect).toBe('runme')
    const [a, py] = runbook.blocks
    expect(a!.attrs).toMatchObject({ excludeFromRunAll: true, interactive: false })
    expect(a!.content).toBe('echo one \\\n  two\nls')
    expect(a!.prompted?.output).toEqual([{ line: 2, text: 'one two' }])
    expect(py!.interpreter).toBe('python3')
    expect(py!.kind).toBe('shell')
  })

  it("keeps docrun's meanings in a docrun runbook: a bare fence is data, `interactive` needs a person", () => {
    const { runbook, plan: p } = plan('# D\n\n```\necho sample output\n```\n\n```sh {interactive}\nmake menuconfig\n```\n')
    expect(runbook.dialect).toBe('docrun')
    expect(p.steps[0]!.action).toBe('none')
    expect(p.steps[1]!.refuse).toMatch(/needs a person/)
    expect(p.host).toEqual({ shell: 'bash' })
  })

  it("Runme's `interactive` asks for a terminal only: the block runs unattended", () => {
    const { plan: p } = plan('---\nrunme: {id: X, version: v3}\n---\n\n```sh {"interactive":"true"}\necho hi\n```\n')
    expect(p.steps[0]!.refuse).toBeUndefined()
    expect(p.steps[0]!.skip).toBeUndefined()
    expect(p.host.cwd).toBe('/tmp/doc')
  })

  it('front matter cwd and shell: blocks start in cwd, a cell cwd is relative to it, sh runs the blocks', async () => {
    const doc = workspace('docrun-runme-cwd-')
    mkdirSync(join(doc, 'docs/sub'), { recursive: true })
    writeFileSync(join(doc, 'marker'), 'top\n')
    writeFileSync(
      join(doc, 'docs/README.md'),
      '---\nrunme: {id: X, version: v3}\ncwd: ..\nshell: sh\n---\n\n```sh {"name":"where"}\ncat marker\necho "bash=${BASH_VERSION:-none}"\n```\n\n```sh {"name":"cell","cwd":"docs/sub"}\nbasename "$PWD"\n```\n\n```sh {"name":"back"}\ncat marker\n```\n',
    )
    const ws = workspace()
    const r = await docrun(['run', join(doc, 'docs/README.md'), '-w', ws], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(outputs(ws)).toBe('top\nbash=none\nsub\ntop\n')
  })

  it('lint says where the README relies on Runme behaviour docrun does not have, at the block (a background cell on the host is fine)', async () => {
    const {
      runbook,
      plan: p,
      file,
    } = plan(
      '---\nrunme: {id: X, version: v3}\n---\n\n```sh {"background":"true"}\nnpm run watch\n```\n\n```sh {"category":"build"}\nexport TOKEN_NAME=x\n```\n\n```go\nfmt.Println(1)\n```\n\n```sh\n$ echo $UNSET_THING\n```\n',
    )
    await lintPlan(runbook, p, file)
    const got = file.messages.map(
      (m) => `${m.line}:${m.column} ${m.ruleId} ${m.fatal === false ? 'warning' : m.fatal ? 'error' : 'info'} ${m.reason.split(':')[0]}`,
    )
    expect(got).toEqual([
      // The prompted line maps back past its `$ `: column 8 is `$UNSET_THING` as written.
      '18:8 undefined-variable warning `$UNSET_THING` is not defined by any earlier block or param on this target',
      '9:1 runme info category=build',
      '9:1 runme info Runme prompts for `TOKEN_NAME` before running this block; docrun uses the value written (as Runme does with skipPrompts',
      '13:1 runme warning a `go` block',
    ])
  })
})
