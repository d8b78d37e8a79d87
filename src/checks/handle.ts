// TargetHandle over a ShellSession: every helper is one small POSIX command, so it works the
// same on the host, in a chroot and in a busybox guest.
import type { ShellSession } from '../shell/session.js'
import type { ExecResult, TargetHandle } from './api.js'

const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`

/** e_machine values (elf.h) a runbook author meets. */
const MACHINES: Record<number, string> = {
  3: 'X86',
  8: 'MIPS',
  20: 'PPC',
  21: 'PPC64',
  22: 'S390',
  40: 'ARM',
  43: 'SPARCV9',
  62: 'X86_64',
  183: 'AARCH64',
  243: 'RISCV',
  247: 'BPF',
  258: 'LOONGARCH',
}

export function targetHandle(name: string, session: () => Promise<ShellSession>): TargetHandle {
  const exec = async (script: string, opts: { timeoutMs?: number } = {}): Promise<ExecResult> => {
    const s = await session()
    const r = await s.exec(script, { errexit: false, timeoutMs: opts.timeoutMs ?? 120_000 })
    if (r.error) throw new Error(`${name}: ${r.error}`)
    return { exitCode: r.status, output: r.output }
  }
  const out = async (script: string) => {
    const r = await exec(script)
    return r.exitCode === 0 ? r.output.trim() : undefined
  }
  return {
    name,
    exec,
    which: async (cmd) => (await out(`command -v ${q(cmd)}`)) || undefined,
    exists: async (p) => (await exec(`test -e ${q(p)}`)).exitCode === 0,
    size: async (p) => {
      const v = await out(`wc -c < ${q(p)}`)
      return v === undefined || v === '' ? undefined : Number(v)
    },
    elfMachine: async (p) => {
      // The first 20 bytes: magic, class, data (1 little, 2 big endian), …, e_machine at 18.
      const hex = await out(`od -An -tx1 -N20 ${q(p)}`)
      const b = (hex ?? '')
        .split(/\s+/)
        .filter(Boolean)
        .map((h) => parseInt(h, 16))
      if (b.length < 20 || b[0] !== 0x7f || b[1] !== 0x45 || b[2] !== 0x4c || b[3] !== 0x46) return undefined
      const m = b[5] === 2 ? (b[18]! << 8) | b[19]! : b[18]! | (b[19]! << 8)
      return MACHINES[m] ?? `EM_${m}`
    },
    fsType: async (p) => (await out(`blkid -p -o value -s TYPE ${q(p)} 2>/dev/null || blkid -o value -s TYPE ${q(p)}`)) || undefined,
    // Relative paths are the target's (its shell's working directory), resolved there.
    mounted: async (p) =>
      (await exec(`p=$(cd -P -- ${q(p)} 2>/dev/null && pwd) && awk -v p="$p" '$5 == p { f = 1 } END { exit !f }' /proc/self/mountinfo`)).exitCode === 0,
  }
}
