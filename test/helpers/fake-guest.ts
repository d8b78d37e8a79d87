// Commands that stand in for QEMU in fast tests: the fake console (serial-peer.ts on stdio).
import { fileURLToPath } from 'node:url'
import type { Command } from '../../src/targets/command.js'

const CONSOLE = fileURLToPath(new URL('./fake-console.ts', import.meta.url))

/** A "QEMU" that boots to a prompt at once and answers docrun's protocol. */
export function fakeConsole(): Command {
  return { file: process.execPath, args: ['--import', 'tsx', CONSOLE], cwd: process.cwd(), where: 'on the host (fake console)' }
}

/** A "QEMU" that fails before the guest's shell is ever ready. */
export function brokenConsole(): Command {
  return { file: 'sh', args: ['-c', 'echo "qemu: could not load kernel" >&2; exit 1'], cwd: process.cwd(), where: 'on the host (broken console)' }
}
