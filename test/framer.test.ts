// Protocol edge cases a real shell cannot produce on demand: split markers, CRLF, noise.
import { describe, expect, it } from 'vitest'
import { Framer } from '../src/shell/framer.js'

function feed(f: Framer, text: string, sizes: number[]) {
  let i = 0
  let k = 0
  while (i < text.length) {
    const n = sizes[k++ % sizes.length]!
    f.push(Buffer.from(text.slice(i, i + n), 'latin1'))
    i += n
  }
}

describe('framer', () => {
  it('finds markers split at every position and keeps output byte-exact', async () => {
    const body = 'line 1\n__DR_END_other:0:0\n\u00e9\u00ff no newline'
    const stream = `echo noise\r\n__DR_BEGIN_abc\n${body}\n__DR_END_abc:42:0\nafter`
    for (const size of [1, 2, 3, 7, 64]) {
      const noise: Buffer[] = []
      const f = new Framer((c) => noise.push(c))
      const out: Buffer[] = []
      const done = f.run('abc', (c) => out.push(c))
      feed(f, stream, [size])
      const end = await done
      expect(end).toEqual({ status: 42, timedOut: false, interrupted: false })
      expect(Buffer.concat(out).toString('latin1')).toBe(body)
      expect(Buffer.concat(noise).toString('latin1')).toContain('echo noise')
    }
  })

  it('reads CRLF terminals and the timeout / interrupt flags', async () => {
    const f = new Framer()
    const out: Buffer[] = []
    const done = f.run('n1', (c) => out.push(c))
    f.push(Buffer.from('__DR_BEGIN_n1\r\nhello\r\n\r\n__DR_END_n1:143:1\r\n'))
    expect(await done).toEqual({ status: 143, timedOut: true, interrupted: false })
    expect(Buffer.concat(out).toString()).toBe('hello\r\n')
    const d2 = f.run('n2', () => {})
    f.push(Buffer.from('__DR_BEGIN_n2\n\n__DR_END_n2:130:2\n'))
    expect(await d2).toMatchObject({ interrupted: true })
  })

  it('ignores a marker that does not start a line before BEGIN', async () => {
    const f = new Framer()
    const done = f.expect('__DR_SYNC_t')
    f.push(Buffer.from('$ echo "__DR_SYNC_t"\n'))
    let resolved = false
    void done.then(() => (resolved = true))
    await new Promise((r) => setTimeout(r, 10))
    expect(resolved).toBe(false)
    f.push(Buffer.from('__DR_SYNC_t\n'))
    await done
  })

  it('streams a large output with bounded buffering', async () => {
    const f = new Framer()
    let bytes = 0
    const done = f.run('big', (c) => (bytes += c.length))
    f.push(Buffer.from('__DR_BEGIN_big\n'))
    const chunk = Buffer.alloc(1 << 20, 0x61)
    for (let i = 0; i < 64; i++) f.push(chunk)
    f.push(Buffer.from('\n__DR_END_big:0:0\n'))
    await done
    expect(bytes).toBe(64 << 20)
  })
})
