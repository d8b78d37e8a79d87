// Faults docrun must survive without losing the record or leaving debris (host and chroot;
// the guest's faults are in guest-faults.test.ts, the fake serial peer's in serial-peer.test.ts).
import { execa } from 'execa'
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { CLI, docrun, events, latestRun, transcript, workspace } from './helpers/cli.js'
import { freshChroot, mountsUnder } from './helpers/chroot.js'
import { alive } from './helpers/proc.js'

async function waitFor(path: string) {
  await vi.waitFor(() => expect(existsSync(path), path).toBe(true), { timeout: 20_000, interval: 50 })
}

const stateFile = (ws: string) =>
  join(
    ws,
    '.docrun/state',
    readdirSync(join(ws, '.docrun/state')).find((f) => f.endsWith('.json'))!,
  )

describe('reliability', () => {
  it('SIGTERM during a chroot block stops it, records it, exits 130; --resume completes', async () => {
    if (process.getuid?.() !== 0) throw new Error('this test needs root (chroot)')
    const ws = workspace()
    await freshChroot(join(ws, 'root'))
    const rb = (cmd: string) =>
      [
        '---',
        'chroots: {c: ./root}',
        '---',
        '# T',
        '',
        '```sh {name=before target=c}',
        'echo before > /before',
        '```',
        '',
        '```sh {name=slow target=c}',
        cmd,
        '```',
        '',
        '```sh {name=after target=c}',
        'echo after > /after',
        '```',
        '',
      ].join('\n')
    writeFileSync(join(ws, 'rb.md'), rb("sh -c 'echo $$ > /slow.pid; exec sleep 600'"))
    const child = execa('node', [CLI, 'run', 'rb.md'], { cwd: ws, reject: false })
    await waitFor(join(ws, 'root/slow.pid'))
    const pid = Number(readFileSync(join(ws, 'root/slow.pid'), 'utf8'))
    child.kill('SIGTERM')
    const r = await child
    expect(r.exitCode).toBe(130)
    expect(alive(pid)).toBe(false)
    expect(transcript(ws)).toContain('interrupted at slow')
    expect(JSON.parse(readFileSync(stateFile(ws), 'utf8')).blocks.slow.status).toBe('interrupted')
    expect(await mountsUnder(ws)).toEqual([])
    writeFileSync(join(ws, 'rb.md'), rb('echo quick'))
    const again = await docrun(['run', 'rb.md', '--resume'], { cwd: ws })
    expect(again.exitCode, again.all).toBe(0)
    expect(existsSync(join(ws, 'root/after'))).toBe(true)
  })

  it('a truncated state and one from another version are kept as backups, and the run starts fresh, saying so', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'rb.md'), '# T\n\n```sh {name=one}\necho one >> log\n```\n')
    expect((await docrun(['run', 'rb.md'], { cwd: ws })).exitCode).toBe(0)
    const file = stateFile(ws)
    const good = readFileSync(file, 'utf8')
    writeFileSync(file, good.slice(0, Math.floor(good.length / 2)))
    const r1 = await docrun(['run', 'rb.md', '--resume'], { cwd: ws })
    expect(r1.exitCode, r1.all).toBe(0)
    expect(r1.all).toMatch(/the saved state could not be used \(.*\); starting fresh, the old state is kept as .*\.bad-/)
    writeFileSync(file, JSON.stringify({ ...JSON.parse(good), version: 0 }))
    const r2 = await docrun(['run', 'rb.md', '--resume'], { cwd: ws })
    expect(r2.exitCode, r2.all).toBe(0)
    expect(r2.all).toContain('written by another docrun version')
    expect(readdirSync(join(ws, '.docrun/state')).filter((f) => f.includes('.bad-'))).toHaveLength(2)
    // Starting fresh ran the block again each time: nothing was silently skipped.
    expect(readFileSync(join(ws, 'log'), 'utf8')).toBe('one\none\none\n')
  })

  it('secrets are masked in output files, events, transcript and console, even split across writes; records are 0600', async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'rb.md'),
      [
        '---',
        'params:',
        '  DEPLOY_PASSWORD: {default: "hunter2-correct-horse", secret: true}',
        '---',
        '# S',
        '',
        '```sh {name=leak}',
        // The secret leaves in two writes, so it crosses chunks; the env token in one.
        'printf \'pw=%s\' "$(printf %s "$DEPLOY_PASSWORD" | cut -c1-7)"; sleep 0.3; printf \'%s\\n\' "$(printf %s "$DEPLOY_PASSWORD" | cut -c8-)"',
        'echo "token=$CI_API_TOKEN"',
        '```',
        '',
      ].join('\n'),
    )
    const r = await docrun(['run', 'rb.md'], { cwd: ws, env: { CI_API_TOKEN: 'tok-5f3a9c1e' } })
    expect(r.exitCode, r.all).toBe(0)
    const run = latestRun(ws)
    const files = [join(run, 'output/leak.log'), join(run, 'events.jsonl'), join(run, 'transcript.md')]
    for (const f of files) {
      const text = readFileSync(f, 'utf8')
      expect(text, f).not.toContain('hunter2-correct-horse')
      expect(text, f).not.toContain('tok-5f3a9c1e')
      expect(statSync(f).mode & 0o777, f).toBe(0o600)
    }
    expect(readFileSync(files[0]!, 'utf8')).toBe('pw=********\ntoken=********\n')
    expect(r.all).not.toContain('hunter2-correct-horse')
    expect(r.all).not.toContain('tok-5f3a9c1e')
    expect(statSync(stateFile(ws)).mode & 0o777).toBe(0o600)
  })

  it('a path param that escapes the workspace by .. or a symlink is refused before anything runs', async () => {
    const ws = workspace()
    mkdirSync(join(ws, 'inside'))
    symlinkSync('/etc', join(ws, 'inside/out'))
    writeFileSync(join(ws, 'rb.md'), '---\nparams:\n  OUT: {default: build/out.img, path: true}\n---\n# P\n\n```sh {name=w}\necho ran > ran.txt\n```\n')
    for (const bad of ['../escape.img', 'inside/out/passwd']) {
      const r = await docrun(['run', 'rb.md', '--set', `OUT=${bad}`], { cwd: ws })
      expect(r.exitCode, r.all).toBe(2)
      expect(r.stderr).toContain('param OUT')
      expect(r.stderr).toContain('outside the workspace')
      expect(existsSync(join(ws, 'ran.txt'))).toBe(false)
    }
    const ok = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(ok.exitCode, ok.all).toBe(0)
    expect(events(ws).some((e) => e.type === 'block-end')).toBe(true)
  })
})
