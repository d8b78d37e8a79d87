// `inputs=PATHS` in runs: a done block whose inputs changed runs again on --resume, with every
// block after it; unchanged inputs and build outputs do not count; status names the change.
// Real bash, real files, the built CLI.
import { describe, expect, it } from 'vitest'
import { mkdirSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { docrun, workspace } from './helpers/cli.js'
import { decideResume, inputsWords } from '../src/run/resume.js'
import { passed, plan, state } from './unit/fixtures.js'

const RUNBOOK = `# Build

\`\`\`bash {name=fetch}
echo fetch >> log
\`\`\`

\`\`\`bash {name=kernel inputs="linux, extra.cfg" inputs-exclude="*.log"}
echo kernel >> log
touch linux/kernel/bpf/verifier.o linux/build.log
\`\`\`

\`\`\`bash {name=boot}
echo boot >> log
\`\`\`
`

/** A workspace with a small kernel-like tree and the runbook. */
function setup(): { ws: string; rb: string } {
  const ws = workspace('docrun-inputs-')
  mkdirSync(join(ws, 'linux/kernel/bpf'), { recursive: true })
  mkdirSync(join(ws, 'linux/net'), { recursive: true })
  writeFileSync(join(ws, 'linux/Makefile'), 'all:\n')
  writeFileSync(join(ws, 'linux/kernel/bpf/verifier.c'), 'int v;\n')
  writeFileSync(join(ws, 'linux/net/core.c'), 'int c;\n')
  writeFileSync(join(ws, 'extra.cfg'), 'CONFIG_BPF=y\n')
  const rb = join(ws, 'rb.md')
  writeFileSync(rb, RUNBOOK)
  return { ws, rb }
}

const log = (ws: string) => readFileSync(join(ws, 'log'), 'utf8').trim().split('\n')
const run = (ws: string, rb: string, ...more: string[]) => docrun(['run', rb, '--no-cache', ...more], { cwd: ws })

/** Change a file's content and push its mtime forward (size and mtime are what is fingerprinted). */
function edit(path: string, text: string): void {
  writeFileSync(path, text)
  const t = new Date(Date.now() + 5_000)
  utimesSync(path, t, t)
}

describe('the resume decision with inputs (as data)', () => {
  const p = plan({ id: 'fetch' }, { id: 'kernel', inputs: { paths: ['linux'] } }, { id: 'boot' })
  const then = { digest: 'd1', dirs: { linux: 'a', 'linux/kernel/bpf': 'b' } }
  const s = state([passed('fetch'), passed('kernel', { inputs: { digest: then.digest } }), passed('boot')])
  const NOTHING = { mounts: [], loops: [] }
  const actions = (d: ReturnType<typeof decideResume>) => d.steps.map((x) => `${x.step.id}:${x.action}`)

  it('the same fingerprint: done; another: it and every step after it run, the changed directories named', () => {
    expect(actions(decideResume(p, s, NOTHING, true, { kernel: then }))).toEqual(['fetch:done', 'kernel:done', 'boot:done'])
    const now = { kernel: { digest: 'd2', dirs: { linux: 'a', 'linux/kernel/bpf': 'c' } } }
    const d = decideResume(p, s, NOTHING, true, now, { kernel: then.dirs })
    expect(actions(d)).toEqual(['fetch:done', 'kernel:run', 'boot:run'])
    expect(d.start?.id).toBe('kernel')
    expect(inputsWords(d.inputsChanged!)).toBe('block kernel runs again: its inputs changed (linux/kernel/bpf)')
    // The recorded directories unreadable: the change is still a change, not named.
    expect(inputsWords(decideResume(p, s, NOTHING, true, now).inputsChanged!)).toBe('block kernel runs again: its inputs changed')
  })

  it('inputs that cannot be read now, or no fingerprint then: changed; without --resume nothing is done anyway', () => {
    const gone = decideResume(p, s, NOTHING, true, { kernel: { error: 'cannot read the inputs under /ws/linux' } })
    expect(actions(gone)).toEqual(['fetch:done', 'kernel:run', 'boot:run'])
    expect(inputsWords(gone.inputsChanged!)).toContain('(cannot read the inputs under /ws/linux)')
    const none = decideResume(p, state([passed('fetch'), passed('kernel'), passed('boot')]), NOTHING, true, { kernel: then })
    expect(none.inputsChanged?.error).toBe('no fingerprint was taken when it passed')
    expect(decideResume(p, s, NOTHING, false, { kernel: { error: 'x' } }).inputsChanged).toBeUndefined()
  })
})

describe('inputs= in runs', () => {
  it('unchanged inputs: --resume has nothing to do; build outputs made since do not count', async () => {
    const { ws, rb } = setup()
    const first = await run(ws, rb)
    expect(first.exitCode, first.all).toBe(0)
    const stateFile = readdirSync(join(ws, '.docrun/state')).find((f) => f.endsWith('.json'))!
    const state = JSON.parse(readFileSync(join(ws, '.docrun/state', stateFile), 'utf8'))
    expect(state.blocks.kernel.inputs).toEqual({ digest: expect.stringMatching(/^[0-9a-f]{64}$/) })
    // The per-directory digests sit beside the snapshots, not in the state.
    const side = JSON.parse(readFileSync(join(ws, '.docrun/state', stateFile.replace(/\.json$/, '.snapshots'), 'kernel.inputs.json'), 'utf8'))
    expect(Object.keys(side)).toContain('linux/kernel/bpf')
    expect(state.blocks.fetch.inputs).toBeUndefined()
    // More build outputs, and a log the block excludes: still not a change of its inputs.
    writeFileSync(join(ws, 'linux/net/core.o'), 'ELF')
    writeFileSync(join(ws, 'linux/net/make.log'), 'noise')
    const again = await run(ws, rb, '--resume')
    expect(again.exitCode, again.all).toBe(0)
    expect(again.all).not.toContain('inputs changed')
    expect(log(ws)).toEqual(['fetch', 'kernel', 'boot'])
    const status = await docrun(['status', rb], { cwd: ws })
    expect(status.stdout).toMatch(/done\s+kernel/)
  })

  it('a changed source: status names its directory; --resume runs the block and every block after it', async () => {
    const { ws, rb } = setup()
    expect((await run(ws, rb)).exitCode).toBe(0)
    edit(join(ws, 'linux/kernel/bpf/verifier.c'), 'int v = 1;\n')
    const status = await docrun(['status', rb], { cwd: ws })
    expect(status.stdout).toMatch(/done\s+fetch/)
    expect(status.stdout).toMatch(/stale\s+kernel\s+— its inputs changed \(linux\/kernel\/bpf\)/)
    expect(status.stdout).toMatch(/stale\s+boot/)
    const again = await run(ws, rb, '--resume')
    expect(again.exitCode, again.all).toBe(0)
    expect(again.all).toContain('block kernel runs again: its inputs changed (linux/kernel/bpf)')
    expect(log(ws)).toEqual(['fetch', 'kernel', 'boot', 'kernel', 'boot'])
    // The new fingerprint was recorded: nothing more to do.
    expect((await run(ws, rb, '--resume')).exitCode).toBe(0)
    expect(log(ws)).toHaveLength(5)
  })

  it('a single-file input, a new file and a removed input count too', async () => {
    const { ws, rb } = setup()
    expect((await run(ws, rb)).exitCode).toBe(0)
    edit(join(ws, 'extra.cfg'), 'CONFIG_BPF=m\n')
    const a = await run(ws, rb, '--resume')
    expect(a.all).toContain('block kernel runs again: its inputs changed (extra.cfg)')
    writeFileSync(join(ws, 'linux/net/new.c'), 'int n;\n')
    const b = await run(ws, rb, '--resume')
    expect(b.all).toContain('block kernel runs again: its inputs changed (linux/net)')
    rmSync(join(ws, 'extra.cfg'))
    const c = await run(ws, rb, '--resume')
    expect(c.exitCode).toBe(0)
    expect(c.all).toMatch(/block kernel runs again: its inputs changed \(cannot read the inputs under .*extra\.cfg/)
    expect(log(ws)).toEqual(['fetch', 'kernel', 'boot', 'kernel', 'boot', 'kernel', 'boot', 'kernel', 'boot'])
  })

  it('docrun cache key covers the fingerprint of inputs= that exist', async () => {
    const { ws } = setup()
    writeFileSync(join(ws, 'rb.md'), RUNBOOK.replace('{name=kernel ', '{name=kernel cache=out '))
    const key = async () => (await docrun(['cache', 'key', 'rb.md'], { cwd: ws })).stdout
    const before = await key()
    expect(before).toMatch(/^kernel [0-9a-f]{64}\n$/)
    expect(await key()).toBe(before)
    writeFileSync(join(ws, 'linux/kernel/bpf/verifier.o'), 'ELF')
    expect(await key()).toBe(before)
    edit(join(ws, 'linux/kernel/bpf/verifier.c'), 'int v = 2;\n')
    expect(await key()).not.toBe(before)
  })
})
