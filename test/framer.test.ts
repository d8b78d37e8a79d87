// Protocol edge cases a real shell cannot produce on demand: split markers, CRLF, noise.
import { describe, expect, it } from 'vitest'
import { Framer } from '../src/shell/framer.js'
import { TtyCleaner } from '../src/shell/tty-clean.js'

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

  it('shows a quiet block its last line at once: holds back only what may start the marker', () => {
    const f = new Framer()
    const out: string[] = []
    void f.run('q1', (c) => out.push(c.toString('latin1')))
    f.push(Buffer.from('__DR_BEGIN_q1\nstarted-long\r\n'))
    expect(out.join('')).toBe('started-long\r')
    f.push(Buffer.from('__DR_'))
    expect(out.join('')).toBe('started-long\r')
    f.push(Buffer.from('x more\n'))
    expect(out.join('')).toBe('started-long\r\n__DR_x more')
  })

  it("reads bash's markers led by RS (one write each), split at every position, the block's own CR and RS kept", async () => {
    const body = 'line\r\n\x1e__DR_END_other:0:0\nends in CR\r'
    const stream = `\x1e__DR_BEGIN_rs\n${body}\x1e__DR_END_rs:3:0\nafter`
    for (const size of [1, 2, 5, 64]) {
      const noise: Buffer[] = []
      const f = new Framer((c) => noise.push(c))
      const out: Buffer[] = []
      const done = f.run('rs', (c) => out.push(c))
      feed(f, stream, [size])
      expect(await done).toEqual({ status: 3, timedOut: false, interrupted: false })
      expect(Buffer.concat(out).toString('latin1')).toBe(body)
      expect(Buffer.concat(noise).toString('latin1')).not.toContain('\x1e')
    }
  })
})

describe('tty cleaner', () => {
  const run = (chunks: (string | Buffer)[]) => {
    const c = new TtyCleaner()
    const seen: string[] = []
    for (const ch of chunks) seen.push(c.push(ch))
    seen.push(c.flush())
    return seen
  }

  it('turns CRLF into LF and drops escape sequences split across chunks', () => {
    const seen = run(['a\r', '\nb\x1b[', '6nc\x1b]0;title\x07d\r\n'])
    expect(seen.join('')).toBe('a\nbcd\n')
  })

  it('drops printk lines but not output that merely starts with a bracket', () => {
    const seen = run(['[  501.44] bpf_testmod: loaded\r\n', '[ok] done\r\n', '[   12.1', '] late printk\r\nafter\r\n'])
    expect(seen.join('')).toBe('[ok] done\nafter\n')
  })

  it('emits a partial line at once, keeps UTF-8 split across chunks intact', () => {
    const euro = Buffer.from('€', 'utf8')
    const seen = run([Buffer.concat([Buffer.from('price '), euro.subarray(0, 1)]), euro.subarray(1), Buffer.from('5\r\n')])
    expect(seen[0]).toBe('price ')
    expect(seen.join('')).toBe('price €5\n')
  })
})
