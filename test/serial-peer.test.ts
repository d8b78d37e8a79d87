// Protocol edge cases a real guest cannot produce on demand, against a fake serial peer: a
// terminal-like Channel that answers docrun's protocol lines and then floods 1 GB, sends
// binary garbage with forged end markers, or never answers. (Real-guest faults are in
// guest-faults.test.ts.)
import { randomBytes } from 'node:crypto'
import { describe, expect, it } from 'vitest'
import { ChannelEvents, type Channel } from '../src/shell/channel.js'
import { ShellSession } from '../src/shell/session.js'

/** Speaks just enough of the shell side: probe, sync, base64 uploads, __dr_run … __dr_end. */
class FakeSerialPeer extends ChannelEvents implements Channel {
  readonly tty = true
  readonly description = 'fake serial peer'
  private pending = ''
  private heredoc: { id: string; lines: string[] } | undefined
  private scripts = new Map<string, string>()

  write(data: string | Buffer): void {
    this.pending += data.toString()
    let nl: number
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl)
      this.pending = this.pending.slice(nl + 1)
      this.line(line)
    }
  }

  private say(text: string | Buffer): void {
    this.emitData(typeof text === 'string' ? Buffer.from(text, 'latin1') : text)
  }

  private line(line: string): void {
    this.say(`${line}\r\n`) // a terminal echoes what is typed
    if (this.heredoc) {
      if (line === '__DR_B64') {
        const [id, body] = [this.heredoc.id, Buffer.from(this.heredoc.lines.join(''), 'base64').toString()]
        this.scripts.set(id, body)
        this.heredoc = undefined
      } else this.heredoc.lines.push(line)
      return
    }
    let m: RegExpExecArray | null
    if ((m = /^base64 -d > "\$__dr_d\/(\w+)\.sh" <<'__DR_B64'$/.exec(line))) this.heredoc = { id: m[1]!, lines: [] }
    else if ((m = /^base64 -d > "\$__dr_d\/([\w.]+)" <<'__DR_B64'$/.exec(line))) this.heredoc = { id: m[1]!, lines: [] }
    else if ((m = /^__dr_probe (\w+)$/.exec(line))) this.say(`__DR_PROBE_${m[1]}:sh:b64:1:0\r\n`)
    else if ((m = /__dr_sync (\w+)$/.exec(line))) this.say(`__DR_SYNC_${m[1]}\r\n`)
    else if ((m = /^__dr_run (\w+) /.exec(line))) void this.run(m[1]!, this.scripts.get(m[1]!) ?? '')
  }

  private async run(id: string, script: string): Promise<void> {
    this.say(`__DR_BEGIN_${id}\r\n`)
    const [cmd, arg] = script.trim().split(' ')
    if (cmd === 'FLOOD') {
      const line = `${'x'.repeat(98)}\r\n`
      const chunk = Buffer.from(line.repeat(655), 'latin1') // ~64 KiB
      for (let sent = 0; sent < Number(arg); sent += chunk.length) {
        this.say(chunk)
        if ((sent / chunk.length) % 64 === 0) await new Promise((r) => setImmediate(r))
      }
    } else if (cmd === 'GARBAGE') {
      for (let i = 0; i < Number(arg); i++) {
        this.say(randomBytes(4096))
        // Forged markers: a wrong nonce, and the right marker text without a line start.
        this.say(`\n__DR_END_${'f'.repeat(12)}:0:0\r\nx__DR_END_${id}:7:0\r\n\x1b[6n\x9b\x00`)
        await new Promise((r) => setImmediate(r))
      }
    } else if (cmd === 'SILENT') return
    else this.say(`${script.trim()}\r\n`)
    this.say(`\r\n__DR_END_${id}:${cmd === 'GARBAGE' ? 3 : 0}:0\r\n# `)
  }

  interrupt(): void {}
  async close(): Promise<void> {
    this.finish('closed')
  }
}

async function session() {
  const peer = new FakeSerialPeer()
  const s = new ShellSession(peer, '/tmp/docrun-fake')
  await s.start()
  return { peer, s }
}

describe('fake serial peer', () => {
  it('a 1 GB flood streams through in bounded memory with the right verdict; the next block still works', async () => {
    const { s } = await session()
    const GB = 1024 ** 3
    let got = 0
    let peak = 0
    const base = process.memoryUsage().rss
    const sample = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss - base)), 50)
    const r = await s.run(`FLOOD ${GB}`, { onOutput: (c) => (got += c.length) })
    clearInterval(sample)
    expect(r).toEqual({ status: 0, timedOut: false, interrupted: false })
    // CRLF became LF: 100 bytes per line on the wire, 99 in the output.
    expect(got).toBe((Math.ceil(GB / 65500) * 65500 * 99) / 100)
    expect(peak).toBeLessThan(256 * 1024 * 1024)
    const next = await s.exec('hello after the flood')
    expect(next.output).toBe('hello after the flood\n')
  }, 300_000)

  it('binary garbage with forged markers does not end the block early; the real marker decides', async () => {
    const { s } = await session()
    let got = 0
    const r = await s.run('GARBAGE 200', { onOutput: (c) => (got += c.length) })
    expect(r.status).toBe(3)
    expect(got).toBeGreaterThan(200 * 4000)
    expect((await s.exec('still here')).output).toBe('still here\n')
  })

  it('a peer that never answers fails the block after its timeout and grace, with a reason', async () => {
    const { s } = await session()
    const t0 = Date.now()
    const r = await s.run('SILENT', { timeoutMs: 1000 })
    expect(r.status).toBe(-1)
    expect(r.error).toMatch(/did not finish the block within \d+s/)
    expect(Date.now() - t0).toBeLessThan(30_000)
  }, 60_000)
})
