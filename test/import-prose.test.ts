// What the prose says around a literal block, read on import (test/fixtures/docs/: real kernel
// documents, GPL-2.0): output a sentence introduces becomes the command's {expect}; placeholders
// left to the reader become params a run needs; files the prose asks for become {file=PATH}.
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { docrun, FIXTURES, transcript, workspace } from './helpers/cli.js'
import { requireTool } from './helpers/chroot.js'

const DOCS = join(FIXTURES, 'docs')

async function imported(name: string, opts: { inferExpect?: boolean } = {}): Promise<string> {
  await requireTool('pandoc', 'pandoc')
  const { importDocument } = await import('../src/import/rst.js')
  return importDocument(readFileSync(join(DOCS, name), 'utf8'), name, opts)
}

/** Each fenced block: its info string and its body. */
const fences = (md: string) =>
  [...md.matchAll(/^[ \t>]*```\s*(\w*)(?: \{([^}\n]*)\})?\n([\s\S]*?)^[ \t>]*```$/gm)].map((m) => ({
    lang: m[1]!,
    attrs: m[2] ?? '',
    body: m[3]!.replace(/^ {4}/gm, ''),
  }))
const byMirror = (md: string, n: number) => fences(md).find((f) => new RegExp(`(?:^| )mirrors=${n}(?: |$)`).test(f.attrs))!
const frontMatter = async (md: string) => (await import('yaml')).parse(md.slice(4, md.indexOf('\n---\n', 3))) as Record<string, unknown>

describe('expected output from the prose', () => {
  it('"you should see the following:" after `kunit.py run` becomes its {expect}: `...` where the document elides, timestamps as (re) lines', async () => {
    const md = await imported('kunit-start.rst')
    expect((await frontMatter(md))['inferred-expect']).toEqual([2, 19])
    const first = byMirror(md, 2)
    expect(first).toMatchObject({ lang: 'text', attrs: 'mirrors=2 expect' })
    // "Configuring KUnit Kernel ..." elides the rest of its line.
    expect(first.body).toBe('Configuring KUnit Kernel.* (re)\nBuilding KUnit Kernel.* (re)\nStarting KUnit Kernel.* (re)\n')
    const failure = byMirror(md, 19).body.split('\n')
    expect(failure[0]).toBe('...')
    expect(failure[1]).toBe('\\[\\d{1,2}:\\d{2}:\\d{2}(?:\\.\\d+)?\\] \\[PASSED\\] misc-example:misc_example_add_test_basic (re)')
    expect(failure.at(-2)).toBe('...')
    // Why, on the line before the block, for a person to review.
    expect(md).toMatch(
      /<!-- docrun import: the expected output of the block before: the document introduces it as output \("You should see"\)[^\n]*-->\n```text \{mirrors=19 expect\}/,
    )
    // The command blocks stay commands; a C file the prose calls "the following" is no output.
    expect(byMirror(md, 1)).toMatchObject({ lang: 'bash', attrs: 'mirrors=1' })
    expect(byMirror(md, 11).attrs).not.toContain('expect')
  })

  it('in Chinese: "一般输出情况如下:" after the page_owner_sort commands, `XXX` and `...` where the document elides', async () => {
    const md = await imported('page_owner.zh.rst')
    expect((await frontMatter(md))['inferred-expect']).toEqual([5])
    const lines = byMirror(md, 5).body.split('\n')
    expect(lines.slice(0, 3)).toEqual(['Page allocated via order \\S+,.* (re)', 'PFN \\S+.* (re)', '// 栈详情'])
    expect(md).toContain('the document introduces it as output ("输出")')
    // "一般输出:" before a help text that follows no command block: no inference.
    expect(byMirror(md, 6).attrs).toBe('mirrors=6')
  })

  it('--no-infer-expect keeps the blocks as the document has them; lint says where an expectation was inferred', async () => {
    const md = await imported('kunit-start.rst', { inferExpect: false })
    expect(md).not.toContain('inferred-expect')
    expect(byMirror(md, 2).attrs).toBe('mirrors=2')
    const ws = workspace()
    writeFileSync(join(ws, 'start.md'), await imported('kunit-start.rst'))
    const r = await docrun(['lint', 'start.md'], { cwd: ws })
    const lines = readFileSync(join(ws, 'start.md'), 'utf8').split('\n')
    const notes = r.stderr.split('\n').filter((l) => l.includes('inferred-expect'))
    expect(notes).toHaveLength(2)
    for (const n of notes) expect(lines[Number(/^\s*(\d+):/.exec(n)![1]) - 1]).toMatch(/^```text \{mirrors=\d+ expect\}$/)
  })

  it('a document run as it is checks the inferred expectation like any {expect}: it passes when the output agrees, fails with a diff when not', async () => {
    await requireTool('pandoc', 'pandoc')
    const ws = workspace()
    const doc = (shown: string) =>
      `Try it\n======\n\nRun::\n\n  echo "Linux version $(uname -r)"; echo done at 10:11:12\n\nYou should see something like::\n\n  ${shown}\n  done at 09:00:00\n`
    writeFileSync(join(ws, 'ok.rst'), doc('Linux version 6.1.0-13-amd64'))
    const ok = await docrun(['run', 'ok.rst'], { cwd: ws })
    expect(ok.exitCode, ok.all).toBe(0)
    expect(transcript(ws)).toContain('☑️')
    writeFileSync(join(ws, 'bad.rst'), doc('Linux release 6.1'))
    const bad = await docrun(['run', 'bad.rst'], { cwd: ws })
    expect(bad.exitCode, bad.all).toBe(1)
    expect(bad.all).toMatch(/^\s*-Linux release /m)
    expect(bad.all).toMatch(/^\s*\+Linux version /m)
    // --no-infer-expect: the old behaviour, the output block is one more shell block (pandoc's filter makes bare `::` blocks sh).
    const plain = await docrun(['run', 'bad.rst', '--no-infer-expect'], { cwd: ws })
    expect(plain.exitCode, plain.all).toBe(1)
    expect(plain.all).toContain('Linux: command not found')
  })
})

describe('placeholders become params', () => {
  it('`<pid of your workload>` in both editions of the DAMON guide: a param without a default, the document line in its description', async () => {
    for (const [name, line] of [
      ['damon-start.rst', 127],
      ['damon-start.zh.rst', 132],
    ] as const) {
      const md = await imported(name)
      const params = (await frontMatter(md)).params as Record<string, { default?: string; description: string }>
      expect(Object.keys(params)).toEqual(['PID_OF_YOUR_WORKLOAD'])
      expect(params.PID_OF_YOUR_WORKLOAD).toEqual({
        description: `document line ${line}: \`damo schemes -c test_scheme <pid of your workload>\` (\`<pid of your workload>\` is left to the reader)`,
      })
      expect(md).toContain('$ damo schemes -c test_scheme "${PID_OF_YOUR_WORKLOAD}"\n')
      expect(md).toContain('<!-- docrun import: `<pid of your workload>`: the document leaves this to its reader; param PID_OF_YOUR_WORKLOAD')
    }
  })

  it('`$PATH_TO_LINUX_REPO` in the KUnit guide is a param; the commands keep their text', async () => {
    const md = await imported('kunit-start.rst')
    const params = (await frontMatter(md)).params as Record<string, { description: string }>
    expect(Object.keys(params)).toEqual(['PATH_TO_LINUX_REPO'])
    expect(params.PATH_TO_LINUX_REPO!.description).toMatch(/^document line 76: `cd \$PATH_TO_LINUX_REPO`/)
    expect(byMirror(md, 3).body).toBe('cd $PATH_TO_LINUX_REPO\ntools/testing/kunit/kunit.py config\ncat .kunit/.kunitconfig\n')
  })

  it('a run that lacks one stops before any block runs, naming each missing param, its line and --set; docrun list shows them', async () => {
    await requireTool('pandoc', 'pandoc')
    const ws = workspace()
    const r = await docrun(['run', join(DOCS, 'damon-start.rst')], { cwd: ws })
    expect(r.exitCode, r.all).toBe(2)
    expect(r.stderr).toMatch(
      /damon-start\.md:\d+: param PID_OF_YOUR_WORKLOAD has no value \(document line 127: .*\): pass it with --set PID_OF_YOUR_WORKLOAD=VALUE/,
    )
    expect(r.stderr).toContain('nothing was run')
    expect(existsSync(join(ws, '.docrun/runs')), 'no run started').toBe(false)
    expect(existsSync(join(ws, 'test_scheme')), 'no block ran').toBe(false)
    const line = Number(/damon-start\.md:(\d+):/.exec(r.stderr)![1])
    const runbook = readFileSync(join(ws, '.docrun/imports/damon-start.md'), 'utf8').split('\n')
    expect(runbook[line - 1]).toMatch(/^ {2}PID_OF_YOUR_WORKLOAD:/)
    const list = await docrun(['list', join(DOCS, 'damon-start.rst')], { cwd: ws })
    expect(list.exitCode, list.all).toBe(0)
    expect(list.stdout).toMatch(/required params \(a run needs each: --set NAME=VALUE\):\n {2}PID_OF_YOUR_WORKLOAD {2}line \d+ {2}document line 127/)
    // Given, it is an ordinary param.
    const set = await docrun(['list', '--json', join(DOCS, 'damon-start.rst'), '--set', 'PID_OF_YOUR_WORKLOAD=42'], { cwd: ws })
    expect((JSON.parse(set.stdout) as { params: object[] }).params).toEqual([
      expect.objectContaining({ name: 'PID_OF_YOUR_WORKLOAD', value: '42', source: 'set' }),
    ])
  })
})
