import { ConsoleChannel } from '../../../dist/src/targets/guest/console-channel.js'
import { ShellSession } from '../../../dist/src/shell/session.js'
import stripAnsi from '../../../node_modules/strip-ansi/index.js'
const t0 = Date.now()
const ch = new ConsoleChannel({ command: `exec qemu-system-s390x -cpu max,zpci=on -m 512 -smp 2 -nographic -kernel ${process.env.KIT ?? '/tmp/research/guest/out'}/vmlinuz -initrd ${process.env.KIT ?? '/tmp/research/guest/out'}/initrd.cpio.gz -append "console=ttyS1 drshell=exec"`, cwd: '/tmp', env: { PATH: process.env.PATH }, logFile: '/tmp/gsmoke-console.log', description: 'guest' })
let tail = ''
await new Promise((resolve, reject) => {
  let timer
  ch.onData((c) => { tail = (tail + c.toString('latin1')).slice(-200); clearTimeout(timer); timer = setTimeout(() => { if (/[#$] ?$/.test(stripAnsi(tail).trimEnd() + ' ')) resolve() }, 300) })
  ch.onClose(reject); setTimeout(() => reject(new Error('boot timeout')), 60000)
})
console.log('ready after', Date.now() - t0, 'ms')
const s = new ShellSession(ch, '/tmp/docrun-smoke', (n) => {})
console.log(await s.start(60000))
const run = async (script, o = {}) => { let out = ''; const t = Date.now(); const r = await s.run(script, { ...o, onOutput: (c) => out += c.toString('latin1') }); console.log(JSON.stringify(r), JSON.stringify(out.slice(0, 200)), Date.now() - t, 'ms') }
await run('uname -m; cd /tmp; X=5; export Y=6')
await run('pwd; echo "$X $Y"; exit 42')
await run('echo "__DR_END_fake:0:0"; echo after')
await run('head -c 100000 /dev/zero | tr "\\0" a | wc -c')
await run('sleep 30', { timeoutMs: 2000 })
await run('echo still here')
console.log('close', await ch.shutdown(), Date.now() - t0, 'ms')
