// Protocol edge cases a real guest cannot produce on demand, against a fake serial peer: a
// terminal-like Channel that answers docrun's protocol lines and then floods 1 GB, sends
// binary garbage with forged end markers, or never answers. (Real-guest faults are in
// guest-faults.test.ts.)
import { describe, expect, it } from 'vitest'
import { FakeSerialPeer } from './helpers/serial-peer.js'
import { ShellSession } from '../src/shell/session.js'

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
