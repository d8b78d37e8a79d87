// A fake guest console on stdio, started in place of QEMU (node --import tsx fake-console.ts):
// prints a prompt, answers the protocol (serial-peer.ts), and exits when told to power off.
import { SerialPeerScript } from './serial-peer.js'

const peer = new SerialPeerScript(
  (c) => process.stdout.write(c),
  () => process.stdout.write('reboot: Power down\r\n', () => process.exit(0)),
)
process.stdout.write('fake console booting\r\n# ')
process.stdin.on('data', (c: Buffer) => peer.type(c))
process.stdin.on('end', () => process.exit(0))
