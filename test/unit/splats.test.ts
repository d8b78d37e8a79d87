import { describe, expect, it } from 'vitest'
import { applyAllowList, SplatScanner } from '../../src/checks/splats.js'

const WARN = [
  '[   42.100000] ------------[ cut here ]------------',
  '[   42.100001] WARNING: CPU: 0 PID: 1 at kernel/bpf/verifier.c:123 do_check+0x10/0x20',
  '[   42.100002] Modules linked in: bpf_testmod(OE)',
  '[   42.100003] CPU: 0 PID: 1 Comm: test_progs Tainted: G           OE      7.2.0 #1',
  '[   42.100004] Call Trace:',
  '[   42.100005] ---[ end trace 0000000000000000 ]---',
]

describe('kernel splats on a console', () => {
  it('finds a WARN_ON splat with its lines up to the end marker, across chunk boundaries', () => {
    const s = new SplatScanner('vm')
    const text = ['# ./test_progs', ...WARN, 'Summary: 1/1 PASSED', ''].join('\r\n')
    for (let i = 0; i < text.length; i += 7) s.push(text.slice(i, i + 7))
    const [splat, ...rest] = s.take()
    expect(rest).toEqual([])
    expect(splat).toMatchObject({ kind: 'warning', guest: 'vm', title: 'WARNING: CPU: 0 PID: 1 at kernel/bpf/verifier.c:123 do_check+0x10/0x20' })
    expect(splat!.lines).toHaveLength(5)
    expect(s.take()).toEqual([])
  })

  it('reads only kernel messages: a program that prints WARNING: is not a splat', () => {
    const s = new SplatScanner('vm')
    s.push('WARNING: CPU: 0 PID: 1 at nowhere (grep output)\nBUG: not the kernel\n')
    expect(s.take()).toEqual([])
  })

  it('names each kind, one report per splat (lockdep starts with a WARNING line)', () => {
    const s = new SplatScanner('vm')
    const lines = [
      'BUG: KASAN: slab-out-of-bounds in foo+0x1/0x2',
      'WARNING: possible circular locking dependency detected',
      'INFO: task kworker/0:1:12 blocked for more than 120 seconds.',
      'rcu: INFO: rcu_sched self-detected stall on CPU',
      'watchdog: BUG: soft lockup - CPU#0 stuck for 22s! [swapper/0:1]',
      'UBSAN: shift-out-of-bounds in lib/foo.c:3:4',
      'Oops: 0004 ilc:2 [#1] SMP',
      'kernel BUG at mm/slub.c:1:',
    ]
    s.push(lines.map((l, i) => `[ ${i + 1}.000000] ${l}\n`).join(''))
    expect(s.take().map((x) => x.kind)).toEqual(['kasan', 'lockdep', 'hung-task', 'rcu-stall', 'soft-lockup', 'ubsan', 'oops', 'bug'])
  })

  it('a message written to /dev/kmsg (no end marker) is still one splat, closed when taken', () => {
    const s = new SplatScanner('vm')
    s.push('[    9.876543] WARNING: CPU: 0 PID: 1 at drivers/misc/example.c:1 probe+0x0/0x4\n')
    expect(s.take()).toMatchObject([{ kind: 'warning', lines: ['WARNING: CPU: 0 PID: 1 at drivers/misc/example.c:1 probe+0x0/0x4'] }])
  })

  it('an allow list marks the splats it expects, with its reason', () => {
    const s = new SplatScanner('vm')
    s.push(`${WARN.join('\n')}\n`)
    const [a] = applyAllowList(s.take(), [{ pattern: /verifier\.c:123/, reason: 'known since 7.1' }])
    expect(a!.allowed).toBe('known since 7.1')
  })
})
