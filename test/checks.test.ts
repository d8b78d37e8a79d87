// Postconditions: {check} and {expect} blocks, a checks/*.ts module written with expect,
// `docrun verify`, and test reports in the transcript.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { execa } from 'execa'
import { describe, expect, it } from 'vitest'
import { docrun, events, ROOT, transcript, workspace } from './helpers/cli.js'

const fence = (attrs: string, body: string, lang = 'sh') => `\`\`\`${lang} {${attrs}}\n${body}\n\`\`\`\n`

describe('inline postconditions', () => {
  it('a passing {check} marks the block; a failing one fails it and stops the run; checks change no state', async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'rb.md'),
      `# Checks\n\n${fence('name=make', 'echo data > made.txt\nV=1')}\n${fence('check', 'test -s made.txt\ncd / && V=changed-by-check')}\n${fence('name=look', 'pwd\necho "V=$V"')}\n${fence('name=bad', 'echo no file made')}\n${fence('check', 'echo looking for missing.txt\ntest -e missing.txt')}\n${fence('name=never', 'echo never')}`,
    )
    const r = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    expect(readFileSync(join(ws, '.docrun/runs/latest/output/look.log'), 'utf8')).toBe(`${ws}\nV=1\n`)
    const t = transcript(ws)
    expect(t).toContain('> ☑️ check `make:check` holds')
    expect(t).toMatch(/❌ \*\*failed\*\* · `bad` · host · exit 0 · \d+ms\n>\n> postcondition bad:check failed: exited with status 1\n/)
    expect(t).toContain('looking for missing.txt')
    expect(events(ws).some((e) => e.type === 'block-start' && e.step === 'never')).toBe(false)
  })

  it('{expect} matches literal, `...` and `(re)` lines, and shows a unified diff on mismatch', async () => {
    const ws = workspace()
    const out = 'printf "build 1\\nwarning: a\\nwarning: b\\nlinked in 42 ms\\ndone\\n"'
    writeFileSync(
      join(ws, 'rb.md'),
      `# Expect\n\n${fence('name=good', out)}\n${fence('expect', 'build 1\n...\nlinked in \\d+ ms (re)\ndone', 'text')}\n${fence('name=bad', out)}\n${fence('expect', 'build 1\n...\nlinked in \\d+ s (re)\nfinished', 'text')}`,
    )
    const r = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    const t = transcript(ws)
    expect(t).toContain('> ☑️ expected output `good:expect` holds')
    expect(t).toContain('> ❌ expected output `bad:expect` failed')
    const diff = /```diff\n([\s\S]*?)\n```/.exec(t)?.[1]
    expect(diff).toBe(
      ['--- expected', '+++ actual', '@@ -1,4 +1,5 @@', ' build 1', ' ...', '-linked in \\d+ s (re)', '-finished', '+linked in 42 ms', '+done'].join('\n'),
    )
  })
})

describe('a checks module', () => {
  const project = () => {
    const ws = workspace()
    mkdirSync(join(ws, 'runbooks'))
    mkdirSync(join(ws, 'checks'))
    writeFileSync(
      join(ws, 'runbooks/setup.md'),
      `# Setup\n\n## 1. Tools\n\n${fence('name=tools', 'echo "ls is $(command -v ls)"')}\n## 2. Image\n\n${fence('name=image', 'truncate -s 8M disk.img\nmkfs.ext4 -q -F disk.img\necho made disk.img')}\n${fence('name=flag', 'cat flag.txt')}`,
    )
    writeFileSync(
      join(ws, 'checks/setup.ts'),
      `import { after, expect } from ${JSON.stringify(join(ROOT, 'dist/src/checks/index.js'))}

after('tools', async (t) => {
  expect(await t.host.which('ls')).toBeTruthy()
  expect(await t.host.elfMachine('/bin/ls')).toBe('X86_64')
  expect(t.block.output).toContain('ls is')
})

after('2', 'the image is ext4', async (t) => {
  expect(await t.host.exists('disk.img')).toBe(true)
  expect(await t.host.size('disk.img')).toBe(8 * 1024 * 1024)
  expect(await t.host.fsType('disk.img')).toBe('ext4')
})

after('flag', (t) => {
  expect(t.block.output.trim()).toBe('green')
})
`,
    )
    return ws
  }

  it('a failed expect stops the run with its message; --resume re-runs the checked block; verify passes, then fails', async () => {
    const ws = project()
    writeFileSync(join(ws, 'flag.txt'), 'red\n')
    const r1 = await docrun(['run', 'runbooks/setup.md'], { cwd: ws })
    expect(r1.exitCode, r1.all).toBe(1)
    let t = transcript(ws)
    expect(t).toContain('> ☑️ postcondition `after tools` holds')
    expect(t).toContain('> ☑️ postcondition `the image is ext4` holds')
    expect(t).toContain('> ❌ postcondition `after flag` failed')
    expect(t).toMatch(/Expected: "green"\nReceived: "red"/)
    expect(r1.all).toContain('postcondition after flag failed')

    writeFileSync(join(ws, 'flag.txt'), 'green\n')
    const r2 = await docrun(['run', 'runbooks/setup.md', '--resume'], { cwd: ws })
    expect(r2.exitCode, r2.all).toBe(0)
    expect(
      events(ws)
        .filter((e) => e.type === 'block-start')
        .map((e) => e.step),
    ).toEqual(['flag'])
    t = transcript(ws)
    expect(t).toContain('> ☑️ postcondition `after flag` holds')

    const v1 = await docrun(['verify', 'runbooks/setup.md'], { cwd: ws })
    expect(v1.exitCode, v1.all).toBe(0)
    expect(v1.stdout).toContain('all 3 postconditions hold')
    rmSync(join(ws, 'disk.img'))
    const v2 = await docrun(['verify', 'runbooks/setup.md', '--section', '2'], { cwd: ws })
    expect(v2.exitCode, v2.all).toBe(1)
    expect(v2.stdout).toContain('❌ flag: the image is ext4 failed')
    // verify ran no block.
    const st = await execa('ls', [join(ws, '.docrun/runs')])
    expect(st.stdout.split('\n').filter((l) => l !== 'latest')).toHaveLength(2)
  })
})
