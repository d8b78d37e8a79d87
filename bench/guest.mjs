#!/usr/bin/env node
// The guest target's cost over QEMU's serial console (README, Performance; issue 20 goals 4, 5),
// each figure measured side by side in one booted guest: the same command typed raw on the
// console (its end seen by an `echo` typed after it) and run as a docrun block, alternating
// within each round (bench/lib/measure.mjs's rule), so a host that slows down slows both.
//   - an empty block (`:`), and an empty block with the state snapshot docrun takes after it;
//   - a CPU-bound shell loop, and a C program (`head -c 40000000 /dev/zero | md5sum`);
//   - bulk output: MiB/s of `cat` of a 2 MiB file.
// Beside the wall-clock ratio it prints the ratio of QEMU's vCPU thread CPU time (TCG's work,
// which the host's other load disturbs less). Needs the s390x kit the guest tests build.
//   node bench/guest.mjs [--rounds N] [--empty N] [--loop N] [--smp N] [--only empty,loop,md5,bulk]
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { homedir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { median, row } from './lib/measure.mjs'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '4' },
    empty: { type: 'string', default: '40' },
    loop: { type: 'string', default: '400000' },
    smp: { type: 'string', default: '1' },
    only: { type: 'string' },
  },
})
const rounds = Number(values.rounds)
const only = values.only ? new Set(values.only.split(',')) : undefined
const root = resolve(import.meta.dirname, '..')
const { GuestTarget } = await import(join(root, 'dist/src/targets/guest/guest.js'))

function kit() {
  const cache = join(process.env.XDG_CACHE_HOME ?? join(homedir(), '.cache'), 'docrun')
  const debs = join(cache, 's390x-kit', 'debs')
  const kdir =
    existsSync(debs) &&
    readdirSync(debs)
      .filter((d) => /^linux-image-.*_s390x$/.test(d) && existsSync(join(debs, d, 'boot')))
      .sort()
      .pop()
  const initrd = join(cache, 'test', 'quickstart-kit', 'initramfs', 'initrd.gz')
  if (!kdir || !existsSync(initrd)) {
    console.error('no s390x kit: run the guest tests (or `npm start`) once first')
    process.exit(2)
  }
  const boot = join(debs, kdir, 'boot')
  return {
    kernel: join(
      boot,
      readdirSync(boot).find((f) => f.startsWith('vmlinuz-')),
    ),
    initrd,
  }
}

/** CPU time (ms) of QEMU's vCPU threads (named by debug-threads=on). */
function vcpuMs(pid) {
  let ms = 0
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      if (/TCG|KVM/.test(readFileSync(`/proc/${pid}/task/${tid}/comm`, 'utf8'))) {
        ms += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]) / 1e6
      }
    } catch {}
  }
  return ms
}

const k = kit()
const args = ['-name', `docrun-bench-${process.pid},debug-threads=on`, '-cpu', 'max,zpci=on', '-smp', values.smp, '-m', '512', '-nographic', '-no-reboot']
const target = new GuestTarget({
  boot: { name: 'bench' },
  command: {
    file: 'qemu-system-s390x',
    args: [...args, '-kernel', k.kernel, '-initrd', k.initrd, '-append', 'console=ttyS1 panic=-1'],
    cwd: root,
    where: 'on the host',
  },
  logFile: '/dev/null',
  bootTimeoutMs: 180_000,
})

let marks = 0
/** Type `line` raw on the console, then an echo whose answer says it is over; bytes seen on the way go to `onData`. */
function typed(channel, line, onData = () => {}) {
  const want = `RAW${marks++}x`
  return new Promise((done) => {
    let tail = ''
    const off = channel.onData((c) => {
      onData(c)
      tail = (tail + c.toString('latin1')).slice(-64)
      // The bare mark is only in the echo's output (the typed line, if echoed, quotes it).
      if (tail.includes(want)) {
        off()
        done()
      }
    })
    channel.write(`${line}\necho ${want.slice(0, 3)}'${want.slice(3)}'\n`)
  })
}

/** One timed run: wall ms and vCPU ms. */
async function timed(pid, fn) {
  const c0 = vcpuMs(pid)
  const t0 = performance.now()
  await fn()
  return { wall: performance.now() - t0, vcpu: vcpuMs(pid) - c0 }
}

/** Alternate `raw` and `block` for `n` rounds (the order flips each round). */
async function sideBySide(pid, n, raw, block) {
  const t = { raw: [], block: [] }
  for (let i = 0; i < n; i++) {
    const order = i % 2 ? ['block', 'raw'] : ['raw', 'block']
    for (const k of order) t[k].push(await timed(pid, k === 'raw' ? raw : block))
  }
  const m = (k, f) => median(t[k].map((x) => x[f]))
  return { raw: m('raw', 'wall'), block: m('block', 'wall'), rawCpu: m('raw', 'vcpu'), blockCpu: m('block', 'vcpu') }
}

async function ok(p) {
  const r = await p
  if (r.status !== 0 || r.error) throw new Error(`block failed: ${JSON.stringify(r)}`)
  return r
}

try {
  const t0 = performance.now()
  const { session } = await target.open()
  const channel = target.channel
  const pid = target.process.pid
  row(`guest boot to the protocol (-smp ${values.smp})`, `${((performance.now() - t0) / 1000).toFixed(1)} s`, '')
  const want = (k) => !only || only.has(k)
  if (want('empty')) {
    const n = Number(values.empty)
    const e = await sideBySide(
      pid,
      n,
      () => typed(channel, ':'),
      () => ok(session.run(':')),
    )
    row('guest: empty block, median of ' + n, `${e.block.toFixed(1)} ms vs ${e.raw.toFixed(1)} ms typed`, '≤ 30 ms', e.block <= 30)
    const s = await sideBySide(
      pid,
      n,
      () => typed(channel, ':'),
      async () => {
        await ok(session.run(':'))
        await session.snapshot()
      },
    )
    row('guest: empty block + its state snapshot', `${s.block.toFixed(1)} ms vs ${s.raw.toFixed(1)} ms typed`, '(what a runbook block costs)')
  }
  const ratio = (name, r, goal) => {
    const x = r.block / r.raw
    row(name, `${x.toFixed(3)}× (${(r.block / 1000).toFixed(2)} vs ${(r.raw / 1000).toFixed(2)} s)`, `≤ ${goal}×`, x <= goal)
    row(
      '  same, QEMU vCPU thread CPU time',
      `${(r.blockCpu / r.rawCpu).toFixed(3)}× (${(r.blockCpu / 1000).toFixed(2)} vs ${(r.rawCpu / 1000).toFixed(2)} s)`,
      '',
    )
  }
  if (want('loop')) {
    const loop = `i=0; while [ $i -lt ${values.loop} ]; do i=$((i+1)); done`
    const r = await sideBySide(
      pid,
      rounds,
      () => typed(channel, loop),
      () => ok(session.run(loop)),
    )
    ratio(`guest: shell loop to ${values.loop}, ${rounds} rounds`, r, 1.03)
  }
  if (want('md5')) {
    const md5 = 'head -c 40000000 /dev/zero | md5sum >/dev/null'
    const r = await sideBySide(
      pid,
      rounds,
      () => typed(channel, md5),
      () => ok(session.run(md5)),
    )
    ratio(`guest: head -c 40000000 /dev/zero | md5sum, ${rounds} rounds`, r, 1.03)
  }
  if (want('bulk')) {
    const bytes = 2 * 1024 * 1024
    await ok(session.run(`head -c ${(bytes / 4) * 3} /dev/urandom | base64 > /tmp/bulk`))
    const r = await sideBySide(
      pid,
      rounds,
      () => typed(channel, 'cat /tmp/bulk'),
      () => ok(session.run('cat /tmp/bulk')),
    )
    const mib = (ms) => (bytes * (77 / 76)) / 1024 / 1024 / (ms / 1000)
    const share = r.raw / r.block
    row(
      `guest: bulk output, 2 MiB, ${rounds} rounds`,
      `${mib(r.block).toFixed(2)} vs ${mib(r.raw).toFixed(2)} MiB/s raw = ${(share * 100).toFixed(0)}%`,
      '≥ 90%',
      share >= 0.9,
    )
  }
} finally {
  await target.close()
}
