// Fakes for fast tests of what starts targets: commands that stand in for QEMU (the fake
// console: serial-peer.ts on stdio), host and chroot targets over an in-process fake serial
// peer, and a target factory that makes them (guests stay real GuestTargets on the fake console).
import { fileURLToPath } from 'node:url'
import { ShellSession } from '../../src/shell/session.js'
import type { Command } from '../../src/targets/command.js'
import { realTargets, type TargetFactory } from '../../src/targets/factory.js'
import type { Target } from '../../src/targets/target.js'
import { FakeSerialPeer } from './serial-peer.js'

const CONSOLE = fileURLToPath(new URL('./fake-console.ts', import.meta.url))

/** A "QEMU" that boots to a prompt at once and answers docrun's protocol. */
export function fakeConsole(): Command {
  return { file: process.execPath, args: ['--import', 'tsx', CONSOLE], cwd: process.cwd(), where: 'on the host (fake console)' }
}

/** A "QEMU" that fails before the guest's shell is ever ready. */
export function brokenConsole(): Command {
  return { file: 'sh', args: ['-c', 'echo "qemu: could not load kernel" >&2; exit 1'], cwd: process.cwd(), where: 'on the host (broken console)' }
}

/** A host or chroot target over a fake serial peer; what it does goes to `log`; its detached command is `qemu`. */
export class FakeTarget implements Target {
  readonly description: string
  constructor(
    readonly kind: 'host' | 'chroot' | 'ssh',
    readonly name: string,
    private readonly log: string[],
    private readonly qemu: Command,
    private readonly stderr?: (chunk: Buffer) => void,
  ) {
    this.description = `fake ${name}`
  }
  async open() {
    this.log.push(`open ${this.name}`)
    const session = new ShellSession(new FakeSerialPeer(), `/tmp/docrun-fake-${this.name}`)
    await session.start()
    this.stderr?.(Buffer.from(`${this.name}: a startup file complains\n`))
    return { session, notes: [] }
  }
  async detached(script: string): Promise<Command> {
    this.log.push(`detached on ${this.name}: ${script}`)
    return this.qemu
  }
  async close() {
    this.log.push(`close ${this.name}`)
  }
}

/** Fake hosts and chroots; real guests (the pool's boot through the factory), each step logged. */
export function fakeFactory(log: string[], qemu: Command = fakeConsole()): TargetFactory {
  return {
    host: (o) => new FakeTarget('host', 'host', log, qemu, o.onNoise),
    chroot: (o) => new FakeTarget('chroot', o.name, log, qemu, o.onNoise),
    ssh: (o) => new FakeTarget('ssh', o.name, log, qemu, o.onNoise),
    guest: (o) => {
      log.push(`guest ${o.boot.name} from ${o.command.where}`)
      const guest = realTargets.guest(o)
      const close = guest.close.bind(guest)
      return Object.assign(guest, { close: () => (log.push(`close ${o.boot.name}`), close()) })
    },
  }
}
