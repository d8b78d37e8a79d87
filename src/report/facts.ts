// Host facts for the transcript header: what machine produced this record.
import { execFileSync } from 'node:child_process'
import { readFileSync, statSync } from 'node:fs'
import { arch, release } from 'node:os'
import { join } from 'node:path'
import type { HostFacts } from '../events/events.js'
import { readCached, writeCached } from '../runbook/parse-cached.js'
import { VERSION } from '../version.js'

/** The tools whose versions the header names, and how each says it. */
const TOOLS = ['bash', 'qemu-system-s390x'] as const

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
  return { kernel: release(), distro, arch: arch(), node: process.version, docrun: VERSION, tools: toolVersions() }
}

/**
 * Each tool's version, asked once per installed binary: `qemu-system-s390x --version` and
 * `bash --version` cost two process starts at every run's start (QEMU's loads ~100 shared
 * libraries), so the answers are kept in docrun's cache, keyed by the file each name runs (its
 * path on PATH, device, inode, size and mtime): an upgraded or another tool is asked again.
 */
function toolVersions(): Record<string, string> {
  const files = TOOLS.map((t) => [t, onPath(t)] as const)
  const key = JSON.stringify(files)
  const hit = readCached<Record<string, string>>('tools', key)
  if (hit && typeof hit === 'object') return hit
  const tools: Record<string, string> = {}
  for (const [tool, file] of files) {
    const line = file ? firstLine(tool, ['--version']) : undefined
    if (line) tools[tool] = /version (\S+)/.exec(line)?.[1] ?? line
  }
  writeCached('tools', key, tools)
  return tools
}

/** The file `name` runs as a command (the first executable of that name on PATH), as an identity; undefined when there is none. */
function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (!dir) continue
    try {
      const s = statSync(join(dir, name))
      if (s.isFile() && s.mode & 0o111) return `${join(dir, name)}:${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`
    } catch {
      // Not in this directory.
    }
  }
  return undefined
}
