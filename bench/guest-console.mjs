#!/usr/bin/env node
// The guest target's cost over QEMU's serial console, beside the console itself:
//   - round trip of an empty block through docrun's protocol (median of N) vs. a plain
//     `echo` line typed into the same guest's shell and its answer read back (median of N);
//   - bulk output: MiB/s of a block's output through the protocol (cleaned, framed) vs. the
//     same bytes read raw from the console.
// Needs the quickstart's kit (run `npm start` once, or the guest tests).
//   node bench/guest-console.mjs [N=100] [MiB=2]
import { existsSync, readdirSync } from 'node:fs'
import { homedir } from 'node:os'
import { join } from 'node:path'
import { ConsoleChannel } from '../dist/src/targets/guest/console-channel.js'
import { waitReady } from '../dist/src/targets/guest/wait-ready.js'
import { ShellSession } from '../dist/src/shell/session.js'

const n = Number(process.argv[2] ?? 100)
const mib = Number(process.argv[3] ?? 2)
const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'docrun')
const debs = join(cache, 's390x-kit', 'debs')
const kdir =
  existsSync(debs) &&
  readdirSync(debs)
    .filter((d) => /^linux-image-.*_s390x$/.test(d))
    .sort()
    .pop()
const initrd = [join(cache, 'test', 'quickstart-kit', 'initramfs', 'initrd.gz'), join(process.cwd(), 'work', 'initramfs', 'initrd.gz')].find(existsSync)
if (!kdir || !initrd) {
  console.error('no s390x kit: run `npm start` (or the guest tests) first')
  process.exit(2)
}
const kernel = join(
  debs,
  kdir,
  'boot',
  readdirSync(join(debs, kdir, 'boot')).find((f) => f.startsWith('vmlinuz-')),
)
const channel = new ConsoleChannel({
  file: 'qemu-system-s390x',
  args: [
    '-cpu',
    'max,zpci=on',
    '-smp',
    '2',
    '-m',
    '512',
    '-nographic',
    '-no-reboot',
    '-kernel',
    kernel,
    '-initrd',
    initrd,
    '-append',
    'console=ttyS1 panic=-1',
  ],
  cwd: process.cwd(),
  logFile: '/dev/null',
  description: 'bench guest',
})
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]
try {
  const t0 = performance.now()
  await waitReady(channel, { spec: { guest: 'bench' }, timeoutMs: 120_000 })
  const boot = performance.now() - t0

  // Plain console: type a line, wait for its answer (the marker is assembled so echo cannot match).
  const plain = []
  for (let i = 0; i < n; i++) {
    const want = `pong${i}x`
    const t = performance.now()
    await new Promise((resolve) => {
      let buf = ''
      const off = channel.onData((c) => {
        buf += c.toString('latin1')
        if (buf.includes(`\n${want}`)) {
          off()
          resolve()
        }
      })
      channel.write(`echo pong${i}'x'\n`)
    })
    plain.push(performance.now() - t)
  }
  // Raw bulk: the bytes of `cat` read straight off the console.
  const bytes = mib * 1024 * 1024
  const rawBulk = await new Promise((resolve) => {
    let got = 0
    let t
    const off = channel.onData((c) => {
      const s = c.toString('latin1')
      if (t === undefined) {
        const at = s.indexOf('BULK')
        if (at < 0) return
        t = performance.now()
      }
      got += c.length
      if (got >= bytes) {
        off()
        resolve(performance.now() - t)
      }
    })
    channel.write(`head -c ${Math.ceil((bytes * 3) / 4)} /dev/urandom | base64 > /tmp/bulk; echo 'BU''LK'; cat /tmp/bulk; echo\n`)
  })
  await new Promise((r) => setTimeout(r, 1000))

  const session = new ShellSession(channel, '/tmp/docrun-bench')
  await session.start()
  const framed = []
  for (let i = 0; i < n; i++) {
    const t = performance.now()
    const r = await session.run(':')
    if (r.status !== 0) throw new Error(`empty block failed: ${JSON.stringify(r)}`)
    framed.push(performance.now() - t)
  }
  let got = 0
  const t = performance.now()
  const r = await session.run('cat /tmp/bulk', { onOutput: (c) => (got += c.length) })
  const framedBulk = performance.now() - t
  if (r.status !== 0) throw new Error('bulk block failed')
  const rate = (b, ms) => (b / 1024 / 1024 / (ms / 1000)).toFixed(2)
  console.log(`guest boot to prompt:        ${(boot / 1000).toFixed(1)} s`)
  console.log(`round trip, plain echo line: ${median(plain).toFixed(1)} ms (median of ${n})`)
  console.log(`round trip, empty block:     ${median(framed).toFixed(1)} ms (median of ${n})`)
  console.log(`bulk output, raw console:    ${rate(bytes, rawBulk)} MiB/s (${mib} MiB)`)
  console.log(`bulk output, docrun block:   ${rate(got, framedBulk)} MiB/s (${(got / 1024 / 1024).toFixed(2)} MiB after CRLF → LF)`)
} finally {
  await channel.close()
}
