// SSH targets against a real OpenSSH server the test starts on 127.0.0.1 (test/helpers/sshd.ts):
// one persistent remote shell per host, exit codes, checks, secrets, timeouts and Ctrl-C that end
// the remote block's process group, host keys.
import { execa } from 'execa'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { CLI, docrun, events, latestRun, ROOT, transcript, workspace } from './helpers/cli.js'
import { alive } from './helpers/proc.js'
import { startSshd, type TestSshd } from './helpers/sshd.js'

const fence = (attrs: string, body: string, lang = 'sh') => `\`\`\`${lang} {${attrs}}\n${body}\n\`\`\`\n`

let sshd: TestSshd
beforeAll(async () => {
  sshd = await startSshd()
})
afterAll(async () => {
  await sshd?.stop()
})

const frontMatter = (extra = '', hostOptions: Record<string, string> = {}) => `---\nhosts:\n${sshd.hostYaml('z', hostOptions)}${extra}---\n`

/** Wait until a remote block wrote its pid file (remote is this machine: the file is in the workspace). */
async function pidFrom(path: string): Promise<number> {
  await vi.waitFor(() => expect(existsSync(path) && readFileSync(path, 'utf8').trim() !== '', path).toBe(true), { timeout: 60_000, interval: 50 })
  return Number(readFileSync(path, 'utf8'))
}

describe('a remote host over SSH', () => {
  it('runs blocks in one persistent shell: cd, export, exit status, file=, {check}/{expect}, a checks module, secrets masked', async () => {
    const ws = workspace()
    mkdirSync(join(ws, 'runbooks'))
    mkdirSync(join(ws, 'checks'))
    const secret = 'hunter2-s3cr3t-token'
    writeFileSync(
      join(ws, 'runbooks/remote.md'),
      `${frontMatter(`params:\n  API_TOKEN: {default: ${secret}, secret: true}\n`)}# Remote\n\n` +
        fence('name=go target=z', `cd /tmp\nexport GREETING=hello\nCOUNT=41\necho "on $(hostname) as $(id -un)"`) +
        '\n' +
        fence('name=again target=z', 'pwd\necho "$GREETING $((COUNT + 1))"\necho "token: $API_TOKEN"') +
        '\n' +
        fence('expect', '/tmp\nhello 42\n...', 'text') +
        '\n' +
        fence('check', 'test "$GREETING" = hello && test "$PWD" = /tmp') +
        '\n' +
        fence(`name=note target=z file=${ws}/written-there.txt`, 'written on the remote host', 'text') +
        '\n' +
        fence('name=local', 'echo "host: ${GREETING:-unset}"') +
        '\n' +
        fence('name=fails target=z', 'echo before\nsh -c "exit 7"\necho never'),
    )
    writeFileSync(
      join(ws, 'checks/remote.ts'),
      `import { after, expect } from ${JSON.stringify(join(ROOT, 'dist/src/checks/index.js'))}
after('again', 'the remote shell kept its state', async (t) => {
  const r = await t.target('z').exec('echo "$GREETING from $PWD"')
  expect(r.output.trim()).toBe('hello from /tmp')
  expect(await t.target('z').exists('/tmp')).toBe(true)
})
`,
    )
    const r = await docrun(['run', 'runbooks/remote.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    const out = (id: string) => readFileSync(join(latestRun(ws), 'output', `${id}.log`), 'utf8')
    expect(out('go')).toMatch(/^on \S+ as root\n$/)
    expect(out('again')).toBe('/tmp\nhello 42\ntoken: ********\n')
    expect(readFileSync(join(ws, 'written-there.txt'), 'utf8')).toBe('written on the remote host\n')
    expect(out('local')).toBe('host: unset\n')
    expect(out('fails')).toBe('before\n')
    const t = transcript(ws)
    expect(t).toContain('> ☑️ expected output `again:expect` holds')
    expect(t).toContain('> ☑️ postcondition `the remote shell kept its state` holds')
    expect(t).toMatch(/❌ \*\*failed\*\* · `fails` · z · exit 7/)
    for (const file of ['transcript.md', 'events.jsonl', 'output/again.log']) expect(readFileSync(join(latestRun(ws), file), 'utf8')).not.toContain(secret)
    expect(events(ws).some((e) => e.type === 'note' && String(e.message).includes('connected (bash'))).toBe(true)
    // The remote session ended with the run: nothing of it is left on the "remote" side.
    expect(sshd.remoteProcesses()).toEqual([])
  })

  it("a timeout ends the block's whole process group on the remote host, and the shell goes on", async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'rb.md'),
      `${frontMatter()}# T\n\n` +
        fence('name=slow target=z timeout=2s', `sh -c 'echo $$ > ${ws}/child.pid; exec sleep 300' &\nsleep 300`) +
        '\n' +
        fence('name=after target=z', 'echo still here'),
    )
    const r = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    const child = Number(readFileSync(join(ws, 'child.pid'), 'utf8'))
    await vi.waitFor(() => expect(alive(child), `remote child ${child}`).toBe(false), { timeout: 10_000 })
    expect(transcript(ws)).toMatch(/⏱️ \*\*timed-out\*\* · `slow`/)
    expect(sshd.remoteProcesses()).toEqual([])
  })

  it("Ctrl-C ends the remote block's process group (not just the ssh client); --resume continues with the shell's state", async () => {
    const ws = workspace()
    const rb = (cmd: string) =>
      `${frontMatter()}# C\n\n` +
      fence('name=first target=z', 'cd /tmp && export MARK=kept') +
      '\n' +
      fence('name=slow target=z', `sh -c 'echo $$ > ${ws}/child.pid; ${cmd}'`) +
      '\n' +
      fence('name=last target=z', `echo "$MARK in $PWD" > ${ws}/last.txt`)
    writeFileSync(join(ws, 'rb.md'), rb('exec sleep 300'))
    const run = execa('node', [CLI, 'run', 'rb.md'], { cwd: ws, reject: false, all: true })
    const child = await pidFrom(join(ws, 'child.pid'))
    run.kill('SIGINT')
    const r = await run
    expect(r.exitCode, r.all).toBe(130)
    await vi.waitFor(() => expect(alive(child), `remote child ${child}`).toBe(false), { timeout: 10_000 })
    expect(transcript(ws)).toMatch(/⏹️ \*\*interrupted\*\* · `slow`/)
    expect(sshd.remoteProcesses()).toEqual([])
    writeFileSync(join(ws, 'rb.md'), rb('exec true'))
    const again = await docrun(['run', 'rb.md', '--resume'], { cwd: ws })
    expect(again.exitCode, again.all).toBe(0)
    expect(readFileSync(join(ws, 'last.txt'), 'utf8')).toBe('kept in /tmp\n')
    expect(sshd.remoteProcesses()).toEqual([])
  })
})

describe('host keys', () => {
  it('a host key known_hosts does not have is refused unless the runbook says accept-new; a changed key is refused', async () => {
    const ws = workspace()
    const unknown = join(ws, 'empty_known_hosts')
    writeFileSync(unknown, '')
    const rb = (opts: Record<string, string>) => `${frontMatter('', opts)}# K\n\n${fence('name=hi target=z', 'echo hi')}`
    writeFileSync(join(ws, 'rb.md'), rb({ UserKnownHostsFile: unknown }))
    const r1 = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r1.exitCode, r1.all).toBe(1)
    expect(transcript(ws)).toMatch(/Host key verification failed|No .* host key is known/)

    writeFileSync(join(ws, 'rb.md'), rb({ UserKnownHostsFile: unknown, StrictHostKeyChecking: 'accept-new' }))
    const r2 = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r2.exitCode, r2.all).toBe(0)
    expect(readFileSync(unknown, 'utf8')).toContain(sshd.hostKey)

    writeFileSync(join(ws, 'rb.md'), rb({ StrictHostKeyChecking: 'no' }))
    const r3 = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r3.exitCode).toBe(2)
    expect(r3.all).toContain('would accept any host key')

    // The same host and port with another key (a second sshd where known_hosts has the first's key):
    // refused, even with accept-new (a changed key is never new).
    const other = await startSshd()
    try {
      const changed = join(ws, 'changed_known_hosts')
      writeFileSync(changed, `[127.0.0.1]:${other.port} ${sshd.hostKey}\n`)
      writeFileSync(
        join(ws, 'rb.md'),
        `---\nhosts:\n${other.hostYaml('z', { UserKnownHostsFile: changed, StrictHostKeyChecking: 'accept-new' })}---\n# K\n\n${fence('name=hi target=z', 'echo hi')}`,
      )
      const r4 = await docrun(['run', 'rb.md'], { cwd: ws })
      expect(r4.exitCode, r4.all).toBe(1)
      expect(transcript(ws)).toMatch(/REMOTE HOST IDENTIFICATION HAS CHANGED|Host key verification failed/)
    } finally {
      await other.stop()
    }
  })
})

describe('a lost connection', () => {
  const rb = (ws: string, cmd: string) =>
    `${frontMatter()}# L\n\n` +
    fence('name=first target=z', 'cd /tmp && export MARK=kept') +
    '\n' +
    fence('name=slow target=z', `sh -c 'echo $$ > ${ws}/child.pid; ${cmd}'`) +
    '\n' +
    fence('name=last target=z', `echo "$MARK in $PWD" > ${ws}/last.txt`)

  it('sshd killed under a block fails it with the reason; the remote block is ended over a new connection; --resume reconnects and continues', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'rb.md'), rb(ws, 'exec sleep 300'))
    const run = execa('node', [CLI, 'run', 'rb.md'], { cwd: ws, reject: false, all: true })
    const child = await pidFrom(join(ws, 'child.pid'))
    const conns = sshd.connections()
    expect(conns.length).toBeGreaterThan(0)
    for (const pid of conns) process.kill(pid, 'SIGKILL')
    const r = await run
    expect(r.exitCode, r.all).toBe(1)
    const t = transcript(ws)
    expect(t).toMatch(/❌ \*\*failed\*\* · `slow`/)
    expect(t).toMatch(/the connection to root@127\.0\.0\.1 port \d+ was lost: Connection to 127\.0\.0\.1 closed by remote host/)
    const notes = events(ws).flatMap((e) => (e.type === 'note' ? [String(e.message)] : []))
    expect(notes.join('\n')).toMatch(/ended \d+ process\(es\) its remote shell left \(over a new connection\)/)
    expect(alive(child)).toBe(false)
    expect(sshd.remoteProcesses()).toEqual([])

    writeFileSync(join(ws, 'rb.md'), rb(ws, 'exec true'))
    const again = await docrun(['run', 'rb.md', '--resume'], { cwd: ws })
    expect(again.exitCode, again.all).toBe(0)
    expect(readFileSync(join(ws, 'last.txt'), 'utf8')).toBe('kept in /tmp\n')
    expect(sshd.remoteProcesses()).toEqual([])
  })

  it('docrun killed with kill -9 mid-block: `docrun clean` ends what it left on the remote host', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'rb.md'), rb(ws, 'exec sleep 300'))
    const run = execa('node', [CLI, 'run', 'rb.md'], { cwd: ws, reject: false })
    const child = await pidFrom(join(ws, 'child.pid'))
    run.kill('SIGKILL')
    await run
    expect(alive(child), 'the remote block runs on without docrun').toBe(true)
    const status = await docrun(['status', 'rb.md'], { cwd: ws })
    expect(status.all).toMatch(/remote shell of host z/)
    const clean = await docrun(['clean', 'rb.md'], { cwd: ws })
    expect(clean.exitCode, clean.all).toBe(0)
    expect(clean.stdout).toMatch(/ended the remote shell of host z \(root@127\.0\.0\.1 port \d+\) \(pid \d+ there, \d+ process\(es\)\)/)
    await vi.waitFor(() => expect(alive(child)).toBe(false), { timeout: 10_000 })
    expect(sshd.remoteProcesses()).toEqual([])
  })
})
