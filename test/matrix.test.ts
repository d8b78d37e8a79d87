// A matrix of runs: front matter `matrix:`, its expansion (GitHub Actions' include/exclude),
// `docrun matrix --emit github|gitlab` (parsed back as YAML, its command line run by bash),
// `--local -j N` (real docrun children, Ctrl-C forwarded), and `docrun report merge`.
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { parse } from 'yaml'
import { create } from 'xmlbuilder2'
import { expandMatrix } from '../src/matrix/expand.js'
import { parseRunbook } from '../src/runbook/parse.js'
import type { MatrixSpec } from '../src/runbook/types.js'
import { CLI, docrun, workspace } from './helpers/cli.js'

const spec = (axes: Record<string, string[]>, include: Record<string, string>[] = [], exclude: Record<string, string>[] = []): MatrixSpec => ({
  axes: Object.entries(axes).map(([name, values]) => ({ name, values })),
  include,
  exclude,
})
const params = (s: MatrixSpec) => expandMatrix(s).map((e) => e.params)

describe('matrix expansion (GitHub Actions semantics)', () => {
  it.each([
    [
      'the product, first key slowest',
      spec({ a: ['1', '2'], b: ['x', 'y'] }),
      [
        { a: '1', b: 'x' },
        { a: '1', b: 'y' },
        { a: '2', b: 'x' },
        { a: '2', b: 'y' },
      ],
    ],
    ['exclude by partial match', spec({ a: ['1', '2'], b: ['3', '4'] }, [], [{ a: '1' }, { a: '2', b: '4' }]), [{ a: '2', b: '3' }]],
    ['include only: each entry is new', spec({}, [{ a: '42' }, { a: 'foo' }]), [{ a: '42' }, { a: 'foo' }]],
    ['exclude first, then include: an excluded combination can come back', spec({ a: ['1', '2'] }, [{ a: '1' }], [{ a: '1' }]), [{ a: '2' }, { a: '1' }]],
    ['an include whose original values match nothing is a new entry', spec({ a: ['1'] }, [{ a: '3', c: 'z' }]), [{ a: '1' }, { a: '3', c: 'z' }]],
    [
      "the docs' example: added keys may be overwritten, original ones never; created entries are not matched",
      spec({ fruit: ['apple', 'pear'], animal: ['cat', 'dog'] }, [
        { color: 'green' },
        { color: 'pink', animal: 'cat' },
        { fruit: 'apple', shape: 'circle' },
        { fruit: 'banana' },
        { fruit: 'banana', animal: 'cat' },
      ]),
      [
        { fruit: 'apple', animal: 'cat', color: 'pink', shape: 'circle' },
        { fruit: 'apple', animal: 'dog', color: 'green', shape: 'circle' },
        { fruit: 'pear', animal: 'cat', color: 'pink' },
        { fruit: 'pear', animal: 'dog', color: 'green' },
        { fruit: 'banana' },
        { fruit: 'banana', animal: 'cat' },
      ],
    ],
    ['everything excluded: no entries', spec({ a: ['1'] }, [], [{ a: '1' }]), []],
  ])('%s', (_name, s, expected) => {
    expect(params(s)).toEqual(expected)
  })

  it('ids: key-value slugs, unique, file-name safe and bounded', () => {
    expect(expandMatrix(spec({ kernel: ['7.2'], clang: ['21'] })).map((e) => e.id)).toEqual(['kernel-7.2-clang-21'])
    const ids = expandMatrix(spec({ v: ['a b', 'a/b', "it's $x", 'x'.repeat(200)] })).map((e) => e.id)
    expect(ids.slice(0, 3)).toEqual(['v-a-b', 'v-a-b-2', 'v-it-s-x'])
    expect(ids[3]).toMatch(/^v-x+-[0-9a-f]{8}$/)
    expect(ids[3]!.length).toBeLessThanOrEqual(80)
    for (const id of ids) expect(id).toMatch(/^[A-Za-z0-9._-]+$/)
  })
})

describe('front matter matrix:', () => {
  const fm = (yaml: string) => parseRunbook(`---\n${yaml}\n---\n# T\n`, 'rb.md')
  const problems = (yaml: string) => fm(yaml).file.messages.map((m) => `${m.line}:${m.column} ${m.ruleId} ${m.reason}`)

  it('reads axes (values as written: 7.10 stays 7.10), include and exclude, params declared after it', () => {
    const { runbook, file } = fm(
      "matrix:\n  kernel: [6.1, 7.10]\n  exclude: [{kernel: 6.1}]\n  include: [{kernel: '7.2', cc: gcc}]\nparams:\n  kernel: '6.1'\n  cc: clang",
    )
    expect(file.messages).toEqual([])
    expect(runbook.frontmatter.matrix).toEqual({
      axes: [{ name: 'kernel', values: ['6.1', '7.10'] }],
      include: [{ kernel: '7.2', cc: 'gcc' }],
      exclude: [{ kernel: '6.1' }],
    })
  })

  it('positioned errors: an undeclared key, a value outside choices, a secret, a non-list, exclude of a non-matrix key', () => {
    const yaml = 'params:\n  a: 1\n  mode: {default: x, choices: [x, y]}\n  TOKEN: {default: s, secret: true}\n'
    expect(problems(`${yaml}matrix:\n  b: [1]\n  mode: [x, z]\n  TOKEN: [p]\n  a: 3\n  exclude: [{mode: x, c: 1}]`)).toEqual([
      '7:3 matrix-param Matrix key `b` is not a declared param (params: a, mode, TOKEN)',
      '8:13 matrix-value Matrix value `z` for `mode` is not one of its choices (x, y)',
      '9:3 matrix-param Param `TOKEN` is secret: a matrix would print its values into the CI configuration',
      '10:6 matrix-value Matrix `a` takes a list of values, e.g. `a: [a, b]`',
      '11:23 matrix-param Matrix `exclude` names `c`, which is not a matrix key (mode, a)',
    ])
  })
})

/** A host runbook whose one block records its params and fails when `fail` says so. */
function matrixRunbook(dir: string, extra = ''): string {
  const path = join(dir, 'rb.md')
  writeFileSync(
    path,
    [
      '---',
      'params:',
      "  kernel: '6.1'",
      '  cc: gcc',
      '  note: plain',
      'matrix:',
      "  kernel: ['6.1', '7.2']",
      '  cc: [gcc, clang]',
      extra,
      '---',
      '# Matrix',
      '',
      '## 1. Build',
      '',
      '```sh {name=build}',
      'printf "%s\\n" "$note" > seen.txt',
      'echo "building $kernel with $cc"',
      '```',
      '',
      '## 2. Test',
      '',
      '```sh {name=test}',
      'test "$kernel/$cc" != 7.2/clang',
      '```',
      '',
    ].join('\n'),
  )
  return path
}

describe('docrun matrix --emit', () => {
  const tricky = `it's $HOME, "quoted" \`and\` spaces`

  it('github: a strategy matrix (parsed YAML) with an id and the params of every entry; --workflow a whole workflow', async () => {
    const ws = workspace()
    matrixRunbook(ws)
    const r = await docrun(['matrix', 'rb.md', '--emit', 'github'], { cwd: ws })
    expect(r.exitCode).toBe(0)
    const snippet = parse(r.stdout) as { include: Record<string, string>[] }
    expect(snippet.include).toEqual([
      { id: 'kernel-6.1-cc-gcc', kernel: '6.1', cc: 'gcc' },
      { id: 'kernel-6.1-cc-clang', kernel: '6.1', cc: 'clang' },
      { id: 'kernel-7.2-cc-gcc', kernel: '7.2', cc: 'gcc' },
      { id: 'kernel-7.2-cc-clang', kernel: '7.2', cc: 'clang' },
    ])
    const w = await docrun(['matrix', 'rb.md', '--emit', 'github', '--workflow'], { cwd: ws })
    type Job = { strategy: { matrix: unknown }; env: Record<string, string>; steps: { run?: string; with?: { path?: string } }[] }
    const job = (parse(w.stdout) as { jobs: Record<string, Job> }).jobs.runbook!
    expect(job.strategy.matrix).toEqual({ include: snippet.include })
    expect(job.env).toMatchObject({
      DOCRUN_RUNBOOK: 'rb.md',
      DOCRUN_ID: '${{ matrix.id }}',
      DOCRUN_SET_kernel: '${{ matrix.kernel }}',
      DOCRUN_SET_cc: '${{ matrix.cc }}',
    })
    const runs = job.steps.map((s) => s.run ?? '').join('\n')
    expect(runs).toContain('npx docrun run "$DOCRUN_RUNBOOK" --workspace "ws/$DOCRUN_ID" --set "kernel=$DOCRUN_SET_kernel"')
    expect(job.steps.some((s) => s.with?.path?.includes('ws/${{ matrix.id }}/.docrun/runs/latest/'))).toBe(true)
    // The commented workflow under the snippet is the same workflow.
    expect(
      parse(
        r.stdout
          .split('\n')
          .filter((l) => l.startsWith('# '))
          .slice(2)
          .map((l) => l.slice(2))
          .join('\n'),
      ),
    ).toEqual(parse(w.stdout))
  })

  // GitHub puts `${{ matrix.K }}` into the env map (YAML, not shell); GitLab sets the matrix's variables: either way
  // the job's shell gets each value as an environment variable. Run the emitted line through bash as the job would.
  it.each(['github', 'gitlab'])('%s: a value with quotes, $, backticks and spaces reaches the block unchanged', async (system) => {
    const ws = workspace()
    matrixRunbook(ws, `  include:\n    - {kernel: '6.1', cc: gcc, note: ${JSON.stringify(tricky)}}`)
    const r = await docrun(['matrix', 'rb.md', '--emit', system, '--workflow'], { cwd: ws })
    expect(r.exitCode).toBe(0)
    const doc = parse(r.stdout)
    let env: Record<string, string>
    let line: string
    if (system === 'github') {
      const job = doc.jobs.runbook
      const entry = job.strategy.matrix.include[0] as Record<string, string>
      const substitute = (v: string) => v.replace(/\$\{\{ matrix\.(\w+) \}\}/g, (_m, key: string) => entry[key]!)
      env = Object.fromEntries(Object.entries(job.env as Record<string, string>).map(([k, v]) => [k, substitute(v)]))
      line = job.steps.find((s: { run?: string }) => s.run?.includes('docrun run')).run
    } else {
      const entry = doc.runbook.parallel.matrix[0] as Record<string, string[]>
      env = { ...doc.runbook.variables, ...Object.fromEntries(Object.entries(entry).map(([k, v]) => [k, v[0]!])) }
      line = doc.runbook.script.find((s: string) => s.includes('docrun run'))
    }
    expect(env.DOCRUN_SET_note).toBe(tricky)
    const run = await execa('bash', ['-c', line.replace(/^npx docrun /, `node ${CLI} `)], { cwd: ws, env: { ...env, NO_COLOR: '1' }, reject: false })
    expect(run.exitCode, run.stdout + run.stderr).toBe(0)
    expect(readFileSync(join(ws, 'ws', env.DOCRUN_ID!, 'seen.txt'), 'utf8')).toBe(`${tricky}\n`)
    expect(existsSync(join(ws, 'reports', `${env.DOCRUN_ID}.xml`))).toBe(true)
  })

  it('gitlab: parallel:matrix is a list of maps of one-value lists; json lists the entries', async () => {
    const ws = workspace()
    matrixRunbook(ws, '  exclude: [{cc: clang}]')
    const g = parse((await docrun(['matrix', 'rb.md', '--emit', 'gitlab'], { cwd: ws })).stdout)
    expect(g.parallel.matrix).toEqual([
      { DOCRUN_ID: ['kernel-6.1-cc-gcc'], DOCRUN_SET_kernel: ['6.1'], DOCRUN_SET_cc: ['gcc'] },
      { DOCRUN_ID: ['kernel-7.2-cc-gcc'], DOCRUN_SET_kernel: ['7.2'], DOCRUN_SET_cc: ['gcc'] },
    ])
    const j = JSON.parse((await docrun(['matrix', 'rb.md', '--emit', 'json'], { cwd: ws })).stdout)
    expect(j.entries).toEqual([
      { id: 'kernel-6.1-cc-gcc', params: { kernel: '6.1', cc: 'gcc' } },
      { id: 'kernel-7.2-cc-gcc', params: { kernel: '7.2', cc: 'gcc' } },
    ])
  })

  it('a runbook without a matrix, or with a wrong one, is a usage error', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'none.md'), '# T\n')
    expect((await docrun(['matrix', 'none.md', '--emit', 'github'], { cwd: ws })).exitCode).toBe(2)
    writeFileSync(join(ws, 'bad.md'), '---\nmatrix:\n  nope: [1]\n---\n# T\n')
    const r = await docrun(['matrix', 'bad.md', '--emit', 'github'], { cwd: ws })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/3:3 .*Matrix key `nope` is not a declared param.*matrix-param/)
  })
})

type Summary = { status: string; entries: number; rows: { id: string; params: Record<string, string>; status: string; failed?: { block: string } }[] }

describe('docrun matrix --local', () => {
  it('-j 2: four entries in four workspaces, at most two at once; one fails by its param; the merged report has four rows', async () => {
    const ws = workspace()
    const running = join(ws, 'running')
    mkdirSync(running)
    matrixRunbook(ws)
    // Each run marks itself running, waits (up to 10 s: a loaded machine starts docrun slowly) for a second one,
    // and records how many were running then: 2 with -j 2 (1 if they ran one by one, more if all at once).
    const mark = `${running}/"$kernel-$cc"`
    const count = `$(ls ${running} | wc -l)`
    const probe = `touch ${mark}; for i in $(seq 100); do [ ${count} -ge 2 ] && break; sleep 0.1; done; echo ${count} >> ${ws}/overlap; sleep 0.3; rm ${mark}`
    const rb = readFileSync(join(ws, 'rb.md'), 'utf8').replace('echo "building', () => `${probe}\necho "building`)
    writeFileSync(join(ws, 'rb.md'), rb)
    const r = await docrun(['matrix', 'rb.md', '--local', '-j', '2', '--workspace-root', 'runs'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    const ids = ['kernel-6.1-cc-gcc', 'kernel-6.1-cc-clang', 'kernel-7.2-cc-gcc', 'kernel-7.2-cc-clang']
    expect(
      readdirSync(join(ws, 'runs'), { withFileTypes: true })
        .filter((f) => f.isDirectory())
        .map((f) => f.name)
        .sort(),
    ).toEqual([...ids].sort())
    for (const id of ids) expect(readFileSync(join(ws, 'runs', `${id}.log`), 'utf8')).toMatch(/building \S+ with/)
    expect(r.stdout).toMatch(/❌ kernel-7\.2-cc-clang {2}failed \(exit 1\)/)
    expect(r.stdout.match(/^✅ \S+ {2}passed {2}.* log: /gm)).toHaveLength(3)
    const overlap = readFileSync(join(ws, 'overlap'), 'utf8').trim().split('\n').map(Number)
    expect(Math.max(...overlap)).toBe(2)
    const summary = JSON.parse(readFileSync(join(ws, 'runs/summary.json'), 'utf8')) as Summary
    expect(summary.entries).toBe(4)
    const failing = (id: string) => id === 'kernel-7.2-cc-clang'
    const expected = ids.map((id) => [id, failing(id) ? 'failed' : 'passed', failing(id) ? 'test' : undefined])
    expect(summary.rows.map((x) => [x.id, x.status, x.failed?.block])).toEqual(expected)
    expect(summary.rows[3]!.params).toEqual({ kernel: '7.2', cc: 'clang', note: 'plain' })
    expect(r.stdout).toMatch(/kernel-7\.2-cc-clang .* at test \(failed, exit 1\)/)
  })

  it('Ctrl-C: forwarded to every running entry, which stops resumable; the rest do not start; exit 130', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'rb.md'), "---\nparams: {n: '1'}\nmatrix: {n: ['1', '2', '3']}\n---\n# S\n\n```sh {name=wait}\ntouch started\nsleep 60\n```\n")
    const child = execa('node', [CLI, 'matrix', 'rb.md', '--local', '-j', '2'], { cwd: ws, reject: false, all: true, env: { NO_COLOR: '1' } })
    const deadline = Date.now() + 30_000
    const bothStarted = () => existsSync(join(ws, 'ws/n-1/started')) && existsSync(join(ws, 'ws/n-2/started'))
    while (!bothStarted() && Date.now() < deadline) await new Promise((res) => setTimeout(res, 100))
    const sent = Date.now()
    child.kill('SIGINT')
    const r = await child
    expect(r.exitCode, r.all).toBe(130)
    expect(Date.now() - sent).toBeLessThan(20_000)
    expect(existsSync(join(ws, 'ws/n-3'))).toBe(false)
    for (const id of ['n-1', 'n-2']) {
      const s = JSON.parse(readFileSync(join(ws, 'ws', id, '.docrun/runs/latest/summary.json'), 'utf8'))
      expect(s.status).toBe('interrupted')
    }
    expect(r.all).toMatch(/⏹️ n-1 {2}interrupted \(exit 130\)/)
  })
})

describe('docrun report merge', () => {
  it('two real runs: one junit with a testsuite per run × section (params as properties), a summary row per run, a table', async () => {
    const ws = workspace()
    matrixRunbook(ws)
    expect((await docrun(['run', 'rb.md', '-w', 'a', '--set', 'kernel=6.1'], { cwd: ws })).exitCode).toBe(0)
    expect((await docrun(['run', 'rb.md', '-w', 'b', '--set', 'kernel=7.2', '--set', 'cc=clang'], { cwd: ws })).exitCode).toBe(1)
    const r = await docrun(['report', 'merge', 'a/.docrun/runs/latest', 'b/.docrun/runs/latest', '--junit', 'm.xml', '--json', 'm.json'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    expect(r.stdout).toMatch(/✅ a +passed +kernel=6\.1 cc=gcc note=plain +2 passed, 0 failed/)
    expect(r.stdout).toMatch(/❌ b +failed +kernel=7\.2 cc=clang note=plain +1 passed, 1 failed.* at test \(failed, exit 1\)/)
    type Suite = { '@name': string; '@failures': string; properties: { property: { '@name': string; '@value': string }[] }; testcase: unknown }
    type Suites = { testsuites: { '@tests': string; '@failures': string; testsuite: Suite[] } }
    const doc = create(readFileSync(join(ws, 'm.xml'), 'utf8')).end({ format: 'object' }) as unknown as Suites
    expect(doc.testsuites['@tests']).toBe('4')
    expect(doc.testsuites['@failures']).toBe('1')
    expect(doc.testsuites.testsuite.map((s) => [s['@name'], s['@failures']])).toEqual([
      ['a / 1. Build', '0'],
      ['a / 2. Test', '0'],
      ['b / 1. Build', '0'],
      ['b / 2. Test', '1'],
    ])
    const last = doc.testsuites.testsuite[3]!
    const props = last.properties.property.map((p) => `${p['@name']}=${p['@value']}`)
    expect(props).toEqual(['matrix.id=b', 'param.kernel=7.2', 'param.cc=clang', 'param.note=plain'])
    expect(last.testcase).toMatchObject({ '@classname': 'b / 2. Test' })
    const summary = JSON.parse(readFileSync(join(ws, 'm.json'), 'utf8')) as Summary
    expect(summary).toMatchObject({ status: 'failed', entries: 2 })
    expect(summary.rows.map((x) => [x.id, x.status, x.failed?.block])).toEqual([
      ['a', 'passed', undefined],
      ['b', 'failed', 'test'],
    ])
    // `report merge` sits beside `report [RUN]` (one run's page): both still work.
    const page = await docrun(['report', 'a/.docrun/runs/latest', '--html', 'a.html'], { cwd: ws })
    expect(page.exitCode, page.all).toBe(0)
    expect(readFileSync(join(ws, 'a.html'), 'utf8')).toContain('<html')
  })
})
