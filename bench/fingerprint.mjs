#!/usr/bin/env node
// The fingerprint of `inputs=` on a kernel tree, side by side with the floor: the same walk by
// `find -printf` (name, size, mtime of every file), alternating rounds. The goal is absolute
// (under 2 s for a kernel tree on this 2-core machine) and the ratio says what docrun adds to
// walking the tree at all.
//   node bench/fingerprint.mjs [TREE] [ROUNDS]   (default: the s390 workspace's 7.2 tree, else the 6.1 tree)
import { existsSync } from 'node:fs'
import { median, row, timeCommand } from './lib/measure.mjs'
import { fingerprint } from '../dist/src/inputs/fingerprint.js'

const candidates = [process.argv[2], '/work/s390-ws/s390-toolchain/root/linux', '/work/linux61/linux-source-6.1']
const tree = candidates.find((t) => t && existsSync(t))
if (!tree) throw new Error('no kernel tree: pass one (e.g. tar xf /usr/src/linux-source-6.1.tar.xz, from apt-get install linux-source-6.1)')
const rounds = Number(process.argv[3] ?? 5)
const exclude = ['tools', 'Documentation']

let files = 0
const fp = async () => {
  const t0 = performance.now()
  files = (await fingerprint([{ path: tree, label: 'linux' }], { exclude })).files
  return performance.now() - t0
}
// Warm the page cache for both alike before the measured rounds.
await fp()
timeCommand('find', [tree, '-printf', '%p %s %T@\n'])
const times = { fingerprint: [], find: [] }
for (let i = 0; i < rounds; i++) {
  const order = i % 2 ? ['find', 'fingerprint'] : ['fingerprint', 'find']
  for (const k of order) times[k].push(k === 'find' ? timeCommand('find', [tree, '-printf', '%p %s %T@\n']) : await fp())
}
const f = median(times.fingerprint)
const w = median(times.find)
console.log(`tree: ${tree} (${files} input files; excluded: build outputs, ${exclude.join(', ')}); ${rounds} alternating rounds, medians`)
row('inputs= fingerprint of a kernel tree', `${(f / 1000).toFixed(2)} s`, '< 2 s', f < 2000)
row('… against find -printf of the same tree', `${(f / w).toFixed(2)}× (${(w / 1000).toFixed(2)} s)`, 'floor: the walk itself')
