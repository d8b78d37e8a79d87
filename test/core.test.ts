// The core through the real CLI: real bash, real files, real process groups.
import { describe, expect, it } from 'vitest'
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { docrun, events, FIXTURES, transcript, workspace } from './helpers/cli.js'
import { alive } from './helpers/proc.js'

const fixture = (name: string, ws: string) => {
  const dest = join(ws, name)
  copyFileSync(join(FIXTURES, name), dest)
  return dest
}

describe('host runs', () => {
  it('carries cd, export and plain variables across blocks, and writes file= blocks', async () => {
    const ws = workspace()
    const r = await docrun(['run', join(FIXTURES, 'basic.md')], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout).toContain('sub\nbar 3 hello\n')
    expect(readFileSync(join(ws, 'sub/notes/out.txt'), 'utf8')).toBe('line one\nline two\n')
    expect(transcript(ws)).toMatch(/✅ \*\*passed\*\* · `2-use-1` · host · exit 0/)
    const types = events(ws).map((e) => e.type)
    expect(types[0]).toBe('run-start')
    expect(types.at(-1)).toBe('run-end')
    expect(types).toContain('output')
  })

  it("carries a block's whole state (arrays, newlines, functions, readonly, exit in a function), the shell's and the protocol's own left out", async () => {
    const ws = workspace()
    const blocks = [
      `A=1; arr=(x $'y\\nz'); declare -gA m=([k]=v); f() { echo "f sees $A"; }; export E=2; readonly R=5; cd /tmp; printf 'no newline'`,
      'echo "A=$A arr=${#arr[@]}:${arr[1]} m=${m[k]} E=$E R=$R pwd=$PWD"; f; [ "$RANDOM" != "$RANDOM" ] && echo random',
      'g() { G=set-in-g; exit 0; }; g',
      'echo "G=$G OPTIND=$OPTIND"',
    ]
    writeFileSync(join(ws, 'state.md'), `# S\n\n${blocks.map((b) => `\`\`\`sh\n${b}\n\`\`\`\n`).join('\n')}`)
    const r = await docrun(['run', 'state.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stdout).toContain('A=1 arr=2:y\nz m=v E=2 R=5 pwd=/tmp\nf sees 1\nrandom\n')
    expect(r.stdout).toContain('G=set-in-g OPTIND=1\n')
    const dir = join(
      ws,
      '.docrun/state',
      readdirSync(join(ws, '.docrun/state')).find((f) => f.endsWith('.snapshots'))!,
    )
    const dump = readFileSync(join(dir, 's-2.env'), 'utf8')
    expect(dump).toMatch(/^f \(\)/m)
    expect(dump).not.toMatch(/^__dr_\w+ \(\)|__dr_[a-z]+=|RANDOM=|SECONDS=/m)
  })

  it('appends with file= append, runs no-language fences by front matter, leaves data blocks alone', async () => {
    const ws = workspace()
    const r = await docrun(['run', join(FIXTURES, 'files.md')], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(readFileSync(join(ws, 'config.frag'), 'utf8')).toBe('CONFIG_NET_9P=y\nCONFIG_9P_FS=y\nCONFIG_VIRTIO_PCI=y\n')
    expect(readFileSync(join(ws, 'count.txt'), 'utf8').trim()).toBe('3')
    expect(existsSync(join(ws, '[not run]'))).toBe(false)
  })

  it('stops at a failing block; --resume continues there with env and cwd restored', async () => {
    const ws = workspace()
    const rb = fixture('resume.md', ws)
    const first = await docrun(['run', rb], { cwd: ws })
    expect(first.exitCode).toBe(1)
    expect(first.stdout).toContain('build failed (exit 1)')
    expect(readFileSync(join(ws, 'log.txt'), 'utf8')).toBe('prepare ran\nbuild ran in build with prepared\n')
    expect(transcript(ws)).toMatch(/❌ \*\*failed\*\* · `build`/)
    expect(transcript(ws)).toMatch(/◻️ not run · `finish`/)

    const status = await docrun(['status', rb], { cwd: ws })
    expect(status.stdout).toMatch(/done\s+prepare/)
    expect(status.stdout).toMatch(/failed\s+build/)
    expect(status.stdout).toMatch(/not run\s+finish/)

    writeFileSync(join(ws, 'go'), '')
    const second = await docrun(['run', rb, '--resume'], { cwd: ws })
    expect(second.exitCode, second.all).toBe(0)
    // prepare did not run again; build and finish ran in build/ with STAGE restored.
    expect(readFileSync(join(ws, 'log.txt'), 'utf8')).toBe(
      'prepare ran\nbuild ran in build with prepared\nbuild ran in build with prepared\nbuild passed\nfinish ran in build with prepared\n',
    )
    expect(second.stdout).toContain('restored the shell state (variables, cwd) left by block prepare')

    // After success, --resume has nothing to do.
    const third = await docrun(['run', rb, '--resume'], { cwd: ws })
    expect(third.exitCode).toBe(0)
    expect(readFileSync(join(ws, 'log.txt'), 'utf8').split('\n').length).toBe(6)
  })

  it("a cwd= block returns the shell to its directory, and --resume restores that directory, not the block's", async () => {
    const ws = workspace()
    mkdirSync(join(ws, 'sub'))
    writeFileSync(join(ws, 'rb.md'), '# C\n\n```sh {name=inside cwd=sub}\nINSIDE=$PWD\n```\n\n```sh {name=next}\ntest -e go\ncd sub\npwd > ../where.txt\n```\n')
    expect((await docrun(['run', 'rb.md'], { cwd: ws })).exitCode).toBe(1)
    writeFileSync(join(ws, 'go'), '')
    const r = await docrun(['run', 'rb.md', '--resume'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(readFileSync(join(ws, 'where.txt'), 'utf8')).toBe(`${join(ws, 'sub')}\n`)
  })

  it('an edited block invalidates itself and every block after it', async () => {
    const ws = workspace()
    const rb = fixture('resume.md', ws)
    writeFileSync(join(ws, 'go'), '')
    expect((await docrun(['run', rb], { cwd: ws })).exitCode).toBe(0)
    writeFileSync(rb, readFileSync(rb, 'utf8').replace('echo "build passed"', 'echo "build passed (edited)"'))
    const status = await docrun(['status', rb], { cwd: ws })
    expect(status.stdout).toMatch(/done\s+prepare/)
    expect(status.stdout).toMatch(/stale\s+build/)
    expect(status.stdout).toMatch(/stale\s+finish/)
    writeFileSync(join(ws, 'log.txt'), '')
    const r = await docrun(['run', rb, '--resume'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(readFileSync(join(ws, 'log.txt'), 'utf8')).toBe('build ran in build with prepared\nbuild passed (edited)\nfinish ran in build with prepared\n')
  })

  it('passes params and --set values byte-exact as environment variables, executing nothing', async () => {
    const ws = workspace()
    const hostile = `it's "quoted" $(touch pwned) \`touch pwned2\` ; rm -rf / \nsecond line\n`
    const r = await docrun(['run', join(FIXTURES, 'params.md'), '--set', `VALUE=${hostile}`], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(readFileSync(join(ws, 'value.bin'), 'utf8')).toBe(hostile)
    expect(readFileSync(join(ws, 'other.bin'), 'utf8')).toBe('x y')
    expect(existsSync(join(ws, 'pwned'))).toBe(false)
    expect(existsSync(join(ws, 'pwned2'))).toBe(false)
    // A value that starts with `-` (run_kselftest.sh's `-o 3600 -t …`) is no option to printf.
    const dash = await docrun(['run', join(FIXTURES, 'params.md'), '--set', 'VALUE=-o 3600 -t bpf:test_verifier', '--set', 'OTHER=--'], { cwd: ws })
    expect(dash.exitCode, dash.all).toBe(0)
    expect(readFileSync(join(ws, 'value.bin'), 'utf8')).toBe('-o 3600 -t bpf:test_verifier')
    expect(readFileSync(join(ws, 'other.bin'), 'utf8')).toBe('--')
    const bad = await docrun(['run', join(FIXTURES, 'params.md'), '--set', 'NOPE=1'], { cwd: ws })
    expect(bad.exitCode).toBe(2)
    expect(bad.stderr).toContain('declares no param `NOPE`')
  })

  it('selects CJK-headed sections by number and by title', async () => {
    const ws = workspace()
    const rb = join(FIXTURES, 'cjk.md')
    const list = await docrun(['list', rb], { cwd: ws })
    expect(list.stdout).toContain('2. 一次性设置')
    expect(list.stdout).toContain('2.1. 工具链')

    const bySection = await docrun(['run', rb, '--from', '2', '--to', '2'], { cwd: ws })
    expect(bySection.exitCode, bySection.all).toBe(0)
    // Section 2 includes its subsection 2.1, and nothing else.
    expect(existsSync(join(ws, 'setup.txt'))).toBe(true)
    expect(existsSync(join(ws, 'toolchain.txt'))).toBe(true)
    expect(existsSync(join(ws, 'intro.txt'))).toBe(false)
    expect(existsSync(join(ws, 'build.txt'))).toBe(false)

    const ws2 = workspace()
    const byTitle = await docrun(['run', rb, '--from', '编译'], { cwd: ws2 })
    expect(byTitle.exitCode, byTitle.all).toBe(0)
    expect(readFileSync(join(ws2, 'build.txt'), 'utf8')).toBe('编译\n')
    expect(existsSync(join(ws2, 'setup.txt'))).toBe(false)

    const ws3 = workspace()
    const byNumber = await docrun(['run', rb, '--from', '2.1', '--to', '2.1'], { cwd: ws3 })
    expect(byNumber.exitCode).toBe(0)
    expect(existsSync(join(ws3, 'toolchain.txt'))).toBe(true)
    expect(existsSync(join(ws3, 'setup.txt'))).toBe(false)

    const only = await docrun(['run', rb, '--only', 'intro'], { cwd: workspace() })
    expect(only.exitCode).toBe(0)
    const none = await docrun(['run', rb, '--from', '9'], { cwd: ws3 })
    expect(none.exitCode).toBe(2)
    expect(none.stderr).toContain('No section `9`')
  })

  it("a timeout kills the block's whole process group, sleeping grandchild included, and says so", async () => {
    const ws = workspace()
    const t0 = Date.now()
    const r = await docrun(['run', join(FIXTURES, 'timeout.md')], { cwd: ws })
    expect(r.exitCode).toBe(1)
    expect(Date.now() - t0).toBeLessThan(30_000)
    expect(r.stdout).toContain('timed out after 2.0s')
    const pid = Number(readFileSync(join(ws, 'grandchild.pid'), 'utf8'))
    expect(pid).toBeGreaterThan(1)
    expect(alive(pid)).toBe(false)
    expect(transcript(ws)).toMatch(/⏱️ \*\*timed-out\*\* · `slow`/)
    expect(r.stdout).not.toContain('unreachable')
  })

  it('rejects a malformed runbook with line:column before anything runs', async () => {
    const ws = workspace()
    const r = await docrun(['run', join(FIXTURES, 'malformed.md')], { cwd: ws })
    expect(r.exitCode).toBe(2)
    expect(r.stderr).toMatch(/7:15\s+error\s+Attribute `timeout` takes a duration/)
    expect(r.stderr).toMatch(/11:8\s+error\s+Block id `a` is already used/)
    expect(r.stderr).toMatch(/11:15\s+error\s+Unknown attribute `colour`/)
    expect(r.stderr).toContain('nothing was run')
    expect(existsSync(join(ws, 'should-not-exist'))).toBe(false)
    const lint = await docrun(['lint', join(FIXTURES, 'malformed.md')], { cwd: ws })
    expect(lint.exitCode).toBe(2)
    expect(lint.stderr).toMatch(/attribute-unknown/)
  })

  it('list --json prints the plan as data', async () => {
    const r = await docrun(['list', '--json', join(FIXTURES, 'basic.md')], { cwd: workspace() })
    expect(r.exitCode).toBe(0)
    const plan = JSON.parse(r.stdout) as { steps: { id: string; target: { kind: string }; section: { number: string } }[] }
    expect(plan.steps.map((s) => s.id)).toEqual(['enter', '2-use-1', '2-use-2', '2-use-3'])
    expect(plan.steps[0]!.target.kind).toBe('host')
    expect(plan.steps[1]!.section.number).toBe('2')
  })
})
