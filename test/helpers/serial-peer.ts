// A fake serial peer: speaks just enough of the shell side of docrun's protocol (probe, sync,
// base64 uploads, __dr_run … __dr_end, the guest's terminal check, poweroff) to test sessions
// and guests without QEMU. In-process as a Channel (FakeSerialPeer), or as a process on stdio
// (fake-console.ts) that a GuestTarget starts as if it were QEMU.
import { randomBytes } from 'node:crypto'
import { ChannelEvents, type Channel } from '../../src/shell/channel.js'

/** The `__dr_u0`/`__dr_u` uploads on a typed line (sh-protocol.ts): the block's id, the bytes each carries, whether it starts the file. */
export function printfUploads(line: string): { id: string; text: string; first: boolean }[] {
  return [...line.matchAll(/(?:^|; )__dr_u(0?) (\w+) '([^']*)' \d+(?=;|$)/g)].map((m) => ({
    id: m[2]!,
    text: m[3]!.replace(/\\([0-7]{3})/g, (_, o: string) => String.fromCharCode(parseInt(o, 8))),
    first: m[1] === '0',
  }))
}

/** The peer's side: lines typed in, bytes said back (a terminal: what is typed is echoed). */
export class SerialPeerScript {
  private pending = ''
  private heredoc: { id: string; lines: string[] } | undefined
  private scripts = new Map<string, string>()

  constructor(
    private readonly sayBytes: (chunk: Buffer) => void,
    private readonly onPoweroff: () => void = () => {},
  ) {}

  type(data: string | Buffer): void {
    this.pending += data.toString()
    let nl: number
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl)
      this.pending = this.pending.slice(nl + 1)
      this.line(line)
    }
  }

  say(text: string | Buffer): void {
    this.sayBytes(typeof text === 'string' ? Buffer.from(text, 'latin1') : text)
  }

  private line(line: string): void {
    this.say(`${line}\r\n`)
    if (this.heredoc) {
      if (line === '__DR_B64') {
        const [id, body] = [this.heredoc.id, Buffer.from(this.heredoc.lines.join(''), 'base64').toString()]
        this.scripts.set(id, body)
        this.heredoc = undefined
      } else this.heredoc.lines.push(line)
      return
    }
    let m: RegExpExecArray | null
    for (const up of printfUploads(line)) this.scripts.set(up.id, (up.first ? '' : (this.scripts.get(up.id) ?? '')) + up.text)
    if ((m = /^__dr_show (\w+) /.exec(line))) this.say(`__DR_BEGIN_${m[1]}\r\n\r\n__DR_END_${m[1]}:0:0\r\n# `)
    else if ((m = /^base64 -d > "\$__dr_d\/(\w+)\.sh" <<'__DR_B64'$/.exec(line))) this.heredoc = { id: m[1]!, lines: [] }
    else if ((m = /^base64 -d > "\$__dr_d\/([\w.]+)" <<'__DR_B64'$/.exec(line))) this.heredoc = { id: m[1]!, lines: [] }
    else if ((m = /^__dr_probe (\w+)$/.exec(line))) this.say(`__DR_PROBE_${m[1]}:sh:b64:1:0\r\n`)
    else if ((m = /__dr_sync (\w+)$/.exec(line))) this.say(`__DR_SYNC_${m[1]}\r\n`)
    else if ((m = /(?:^|; )__dr_run (\w+) \d+ \d+ \S+ \d$/.exec(line)) || (m = /^__dr_run (\w+) /.exec(line)))
      void this.run(m[1]!, this.scripts.get(m[1]!) ?? '')
    else if ((m = /__DR_UP (\w+) 0; fi$/.exec(line))) this.say(`__DR_UP_${m[1]}:0\r\n# `)
    else if (/poweroff -f/.test(line)) this.onPoweroff()
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
}

/** The peer as a terminal-like Channel in this process. */
export class FakeSerialPeer extends ChannelEvents implements Channel {
  readonly tty = true
  readonly description = 'fake serial peer'
  private readonly peer = new SerialPeerScript(
    (c) => this.emitData(c),
    () => this.finish('powered off'),
  )

  write(data: string | Buffer): void {
    this.peer.type(data)
  }

  interrupt(): void {}
  async close(): Promise<void> {
    this.finish('closed')
  }
}
