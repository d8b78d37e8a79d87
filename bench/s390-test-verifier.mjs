#!/usr/bin/env node
// test_verifier in the s390 guest, typed raw on the console vs. run as a docrun block, side by
// side with the same kernel and image (issue: a block must cost nothing measurable on the
// guest's heaviest step). Needs an s390 workspace where `docrun run runbooks/s390-bpf.md` got
// past its selftests and second stage. Every run boots its own guest, in the workspace's
// toolchain chroot, on a fresh overlay of the image (the image is never written): one guest that
// runs the suite again and again gets slower with each run (measured: 480 s, then 808 s typed
// raw in the same guest), so only fresh guests compare. Rounds alternate which goes first.
//   node bench/s390-test-verifier.mjs WORKSPACE [ROUNDS=1] [RANGE]   e.g. RANGE="1 200" for a quick look
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { execFileSync } from 'node:child_process'
import { loadavg } from 'node:os'
import { ConsoleChannel } from '../dist/src/targets/guest/console-channel.js'
import { waitReady } from '../dist/src/targets/guest/wait-ready.js'
import { ShellSession } from '../dist/src/shell/session.js'
import { median, row } from './lib/measure.mjs'

const [ws, roundsArg, range = ''] = process.argv.slice(2)
if (!ws) throw new Error('usage: node bench/s390-test-verifier.mjs WORKSPACE [ROUNDS] [RANGE]')
const root = join(ws, 's390-toolchain')
const tv = join(root, 'root/linux/tools/testing/selftests/bpf/test_verifier')
for (const p of [join(root, 'root/linux/arch/s390/boot/bzImage'), join(root, 'root/s390.img'), tv])
  if (!existsSync(p)) throw new Error(`${p} is missing: run runbooks/s390-bpf.md in ${ws} past its selftests and second stage first`)
const rounds = Number(roundsArg ?? 1)
// ONLY=raw: boot and the raw run alone (the by-hand half of the daily loop's measurement).
const only = process.env.ONLY
/** A guest booted as the runbook boots it, on a new overlay, with the kernel tree mounted; `close` ends it and removes the overlay. */
async function bootGuest(tag) {
  const overlay = `/root/bench-overlay-${tag}.qcow2`
  execFileSync('chroot', [root, 'qemu-img', 'create', '-q', '-f', 'qcow2', '-F', 'raw', '-b', '/root/s390.img', overlay])
  // The runbook's boot, on the overlay; chroot puts QEMU in the toolchain's root, as the runbook does.
  const qemu = ['qemu-system-s390x', '-cpu', 'max,zpci=on', '-smp', '2', '-m', '4G', '-kernel', '/root/linux/arch/s390/boot/bzImage']
  qemu.push('-drive', `file=${overlay},if=virtio,format=qcow2`, '-nographic', '-no-reboot', '-append', 'root=/dev/vda rw console=ttyS1')
  qemu.push('-virtfs', 'local,path=/root/linux,security_model=none,mount_tag=linux')
  qemu.push('-object', 'rng-random,filename=/dev/urandom,id=rng0', '-device', 'virtio-rng-ccw,rng=rng0')
  // The runbook's network device too: its user-mode network (and the guest's DHCP client on it) costs TCG time.
  qemu.push('-netdev', 'user,id=net0', '-device', 'virtio-net-ccw,netdev=net0')
  const channel = new ConsoleChannel({
    command: { file: 'chroot', args: [root, ...qemu], cwd: ws, where: 'in the toolchain chroot' },
    logFile: join(ws, `bench-test-verifier-${tag}.console.log`),
    description: 's390 bench guest',
  })
  const close = async () => {
    await channel.close()
    execFileSync('rm', ['-f', join(root, overlay)])
  }
  try {
    const t0 = performance.now()
    await waitReady(channel, { boot: { name: 'bench' }, timeoutMs: 600_000 })
    const bootMs = performance.now() - t0
    await typed(channel, 'mkdir -p /linux && mount -t 9p linux /linux; mount -t proc proc /proc; mount -t sysfs sys /sys', 'MOUNTED')
    return { channel, bootMs, close }
  } catch (error) {
    await close()
    throw error
  }
}

/** Type a line raw on the console and wait for the marker it prints at its end. */
function typed(channel, line, marker) {
  return new Promise((resolve) => {
    let buf = ''
    const t = performance.now()
    const off = channel.onData((c) => {
      buf = (buf + c.toString('latin1')).slice(-4096)
      const m = new RegExp(`\\n${marker}:(\\d+)`).exec(buf)
      if (m) {
        off()
        resolve({ ms: performance.now() - t, status: Number(m[1]) })
      }
    })
    // The marker is assembled by the shell, so the echo of the typed line cannot match it.
    channel.write(`${line}; echo "${marker.slice(0, 3)}""${marker.slice(3)}:$?"\n`)
  })
}

const cmd = `cd /linux/tools/testing/selftests/bpf && ./test_verifier ${range}`.trim()

/** test_verifier typed on the console of a fresh guest: its time and Summary line. */
async function runRaw(channel, i) {
  let out = ''
  const off = channel.onData((c) => (out = (out + c.toString('latin1')).slice(-2000)))
  const r = await typed(channel, `(${cmd})`, `TVEND${i}`)
  off()
  return { ms: r.ms, summary: /Summary:[^\r\n]*/.exec(out)?.[0] ?? '(no Summary line)' }
}

/** test_verifier as a docrun block in a fresh guest (docrun's shell protocol started first, as a run does). */
async function runBlock(channel) {
  const session = new ShellSession(channel, '/tmp/docrun-bench')
  await session.start()
  let out = ''
  const t = performance.now()
  const r = await session.run(`(${cmd})`, { onOutput: (c) => (out = (out + c.toString('utf8')).slice(-2000)) })
  const ms = performance.now() - t
  if (r.error) throw new Error(`the block failed: ${r.error}`)
  return { ms, summary: /Summary:[^\r\n]*/.exec(out)?.[0] ?? '(no Summary line)' }
}

const times = { raw: [], block: [] }
const summary = { raw: '', block: '' }
const words = { raw: 'typed raw', block: 'as a block' }
for (let i = 0; i < rounds; i++) {
  for (const k of (i % 2 ? ['block', 'raw'] : ['raw', 'block']).filter((k) => !only || k === only)) {
    const guest = await bootGuest(`${k}${i}`)
    try {
      const r = k === 'raw' ? await runRaw(guest.channel, i) : await runBlock(guest.channel)
      times[k].push(r.ms)
      summary[k] = r.summary
      const at = `${new Date().toISOString().slice(11, 19)} UTC, load ${loadavg()[0].toFixed(1)}`
      console.log(
        `round ${i + 1}: ${words[k]} ${(r.ms / 1000).toFixed(1)} s, ${r.summary} (a fresh guest, booted in ${(guest.bootMs / 1000).toFixed(1)} s; ${at})`,
      )
    } finally {
      await guest.close()
    }
  }
}
const raw = median(times.raw)
console.log(
  `test_verifier ${range || '(all)'} in the s390 guest (TCG), ${rounds} alternating round(s), each in a fresh guest, medians; ${summary.raw} / ${summary.block}`,
)
row('test_verifier typed raw on the console', `${(raw / 1000).toFixed(1)} s`, '')
if (only !== 'raw') {
  const block = median(times.block)
  row('test_verifier as a docrun block (a fresh guest each)', `${(block / 1000).toFixed(1)} s = ${(block / raw).toFixed(3)}×`, '≤ 1.03×', block / raw <= 1.03)
}
