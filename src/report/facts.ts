// Host facts for the transcript header: what machine produced this record.
import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { arch, release } from 'node:os'
import type { HostFacts } from '../events/events.js'
import { VERSION } from '../version.js'

function firstLine(cmd: string, args: string[]): string | undefined {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 })
      .split('\n')[0]
      ?.trim()
  } catch {
    return undefined
  }
}

export function hostFacts(): HostFacts {
  let distro = 'unknown'
  try {
    distro = /^PRETTY_NAME="?([^"\n]*)/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1] ?? distro
  } catch {}
  const tools: Record<string, string> = {}
  const bash = firstLine('bash', ['--version'])
  if (bash) tools.bash = /version (\S+)/.exec(bash)?.[1] ?? bash
  const qemu = firstLine('qemu-system-s390x', ['--version'])
  if (qemu) tools['qemu-system-s390x'] = /version (\S+)/.exec(qemu)?.[1] ?? qemu
  return { kernel: release(), distro, arch: arch(), node: process.version, docrun: VERSION, tools }
}
