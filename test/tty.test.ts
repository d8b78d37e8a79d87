// Blocks with a terminal ({tty}): a real pseudo-terminal from util-linux's script, inside the
// persistent shell, with the shell's state carried in and out; timeouts and Ctrl-C end the
// process group inside the pty; the raw stream in output/NAME.tty.log, cleaned text elsewhere.
import { execa } from 'execa'
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it, vi } from 'vitest'
import { CLI, docrun, events, latestRun, transcript, workspace } from './helpers/cli.js'
import { sessionGroups } from '../src/sys/proc.js'
import { freshChroot, requireTool } from './helpers/chroot.js'

const out = (ws: string, id: string, ext = 'log') => readFileSync(join(latestRun(ws), 'output', `${id}.${ext}`), 'utf8')

/** The process groups still alive in the pty session whose leader's pid the block wrote to `file`. */
const leftIn = (file: string) => sessionGroups(Number(readFileSync(file, 'utf8')))

async function waitFor(path: string) {
  await vi.waitFor(() => expect(existsSync(path), path).toBe(true), { timeout: 30_000, interval: 50 })
}

describe('{tty} blocks', () => {
  it('get a terminal of their size (stty size, test -t, stty -opost); the shell state goes in and comes back; raw stream beside the cleaned output', async () => {
    await requireTool('script', 'bsdutils')
    const ws = workspace()
    writeFileSync(
      join(ws, 'rb.md'),
      [
        '# T',
        '',
        '```sh {name=before}',
        'export GREETING=hello; PLAIN=kept; greet() { echo "$GREETING from a function"; }; mkdir -p sub; cd sub',
        '```',
        '',
        '```sh {name=term tty=120x40}',
        'stty size',
        'test -t 0 && test -t 1 && test -t 2 && echo "all three are terminals"',
        'echo "$GREETING $PLAIN $(basename "$PWD")"; greet',
        'stty -opost',
        "printf 'raw\\nlines\\n'",
        'AFTER=set-in-the-pty; cd ..',
        '```',
        '',
        '```sh {name=deflt tty}',
        'stty size',
        'read answer || echo "read: end of file"',
        'cat; echo "cat ended"',
        "printf 'fetch 10%%\\rfetch 55%%\\rfetch 100%%\\n'",
        '```',
        '',
        '```sh {name=pipes}',
        'echo "$AFTER in $(basename "$PWD")"; test -t 1 || echo "no terminal here"',
        '```',
        '',
      ].join('\n'),
    )
    const r = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(out(ws, 'term')).toBe('40 120\nall three are terminals\nhello kept sub\nhello from a function\nraw\nlines\n')
    expect(out(ws, 'deflt')).toBe('24 80\nread: end of file\ncat ended\nfetch 100%\n')
    expect(out(ws, 'pipes')).toBe(`set-in-the-pty in ${ws.split('/').pop()}\nno terminal here\n`)
    // The terminal's own bytes: CRLF until `stty -opost`, then bare LF; the progress line's CRs.
    expect(out(ws, 'term', 'tty.log')).toContain('40 120\r\nall three are terminals\r\n')
    expect(out(ws, 'term', 'tty.log')).toContain('raw\nlines\n')
    expect(out(ws, 'deflt', 'tty.log')).toContain('fetch 10%\rfetch 55%\rfetch 100%\r\n')
    expect(transcript(ws)).toContain('fetch 100%\n')
    expect(transcript(ws)).not.toMatch(/\r/)
    expect(existsSync(join(latestRun(ws), 'output', 'pipes.tty.log'))).toBe(false)
  })

  it('a timeout ends the whole process group inside the pty: no process of the block is left; the shell answers after it', async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'rb.md'),
      '# T\n\n```sh {name=slow tty timeout=2s}\necho $$ > pty.sid\nsleep 300 &\nsleep 300\n```\n\n```sh {name=next}\necho "the shell answers"\n```\n',
    )
    const r = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    const end = events(ws).find((e) => e.type === 'block-end' && e.step === 'slow')!.result as { status: string }
    expect(end.status).toBe('timed-out')
    expect(leftIn(join(ws, 'pty.sid'))).toEqual([])
  })

  it('Ctrl-C (SIGINT to docrun) stops the block inside the pty, even one that ignores INT; nothing is left; exit 130; --resume runs it again from the state before it', async () => {
    const ws = workspace()
    const runbook = (body: string) => `# T\n\n\`\`\`sh {name=first tty}\nexport FROM_FIRST=carried\n\`\`\`\n\n\`\`\`sh {name=stubborn tty}\n${body}\n\`\`\`\n`
    writeFileSync(join(ws, 'rb.md'), runbook('trap "" INT\necho $$ > pty.sid\nsleep 300 & sleep 300'))
    const child = execa('node', [CLI, 'run', 'rb.md'], { cwd: ws, reject: false })
    await waitFor(join(ws, 'pty.sid'))
    child.kill('SIGINT')
    const r = await child
    expect(r.exitCode).toBe(130)
    expect(leftIn(join(ws, 'pty.sid'))).toEqual([])
    expect(transcript(ws)).toContain('interrupted at stubborn')

    writeFileSync(join(ws, 'rb.md'), runbook('stty size; echo "FROM_FIRST=$FROM_FIRST"'))
    const again = await docrun(['run', 'rb.md', '--resume'], { cwd: ws })
    expect(again.exitCode, again.all).toBe(0)
    expect(out(ws, 'stubborn')).toBe('24 80\nFROM_FIRST=carried\n')
  })

  it('a block left in its pty by a docrun killed with kill -9 is ended by the next run (its pty is a session of its own)', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'rb.md'), '# T\n\n```sh {name=stuck tty}\necho $$ > pty.sid\ntest -f go || sleep 300\n```\n')
    const child = execa('node', [CLI, 'run', 'rb.md'], { cwd: ws, reject: false })
    await waitFor(join(ws, 'pty.sid'))
    child.kill('SIGKILL')
    await child
    expect(leftIn(join(ws, 'pty.sid'))).not.toEqual([])
    writeFileSync(join(ws, 'go'), '')
    const again = await docrun(['run', 'rb.md', '--resume'], { cwd: ws })
    expect(again.exitCode, again.all).toBe(0)
    expect(again.all).toMatch(/ended the shell of bash on the host/)
    expect(leftIn(join(ws, 'pty.sid'))).toEqual([])
  })

  it('front matter: `tty: 100x30` for every block, per target, and `{tty=false}` on a block; in sh as in bash', async () => {
    const ws = workspace()
    writeFileSync(
      join(ws, 'rb.md'),
      '---\nshell: sh\ntty: 100x30\n---\n# T\n\n```sh {name=a}\nX=from-a; stty size\n```\n\n```sh {name=b tty=false}\necho "$X"; test -t 1 || echo no terminal\n```\n',
    )
    const r = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(out(ws, 'a')).toBe('30 100\n')
    expect(out(ws, 'b')).toBe('from-a\nno terminal\n')

    writeFileSync(join(ws, 'per-target.md'), '---\ntty: {host: 90x20}\n---\n# T\n\n```sh {name=c}\nstty size\n```\n')
    const p = await docrun(['list', 'per-target.md', '--json'], { cwd: ws })
    expect(JSON.parse(p.stdout).steps[0].tty).toEqual({ cols: 90, rows: 20 })
    const r2 = await docrun(['run', 'per-target.md'], { cwd: ws })
    expect(r2.exitCode, r2.all).toBe(0)
    expect(out(ws, 'c')).toBe('20 90\n')
  })

  it("a chroot block gets its terminal inside the chroot (the chroot's script and stty); without /dev/pts there it fails saying so", async () => {
    if (process.getuid?.() !== 0) throw new Error('the chroot tests need root')
    const ws = workspace()
    await freshChroot(join(ws, 'root'))
    const inChroot =
      '```sh {name=in target=deb}\nY=inside; stty size; test -t 0 && echo "terminal: $(tty)"\n```\n\n```sh {name=again target=deb}\necho "$Y"\n```\n'
    writeFileSync(join(ws, 'bare.md'), `---\nchroots: {deb: ./root}\ntty: {deb: 132x50}\n---\n# T\n\n${inChroot}`)
    const bare = await docrun(['run', 'bare.md'], { cwd: ws })
    expect(bare.exitCode, bare.all).toBe(1)
    expect(out(ws, 'in')).toMatch(/needs pseudo-terminals, and this system has no \/dev\/pts \(in a chroot: mount -t devpts/)

    // The ledger unmounts it at the end of the run.
    const mount = '```sh {name=pts}\nmount -t devpts -o newinstance,ptmxmode=0666 devpts root/dev/pts\n```\n\n'
    writeFileSync(join(ws, 'rb.md'), `---\nchroots: {deb: ./root}\ntty: {deb: 132x50}\n---\n# T\n\n${mount}${inChroot}`)
    const r = await docrun(['run', 'rb.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(out(ws, 'in')).toMatch(/^50 132\nterminal: \/dev\/pts\/\d+\n$/)
    expect(out(ws, 'again')).toBe('inside\n')
  })
})
