#!/usr/bin/env node
// Overhead of docrun on the host: a runbook of N trivial blocks run by docrun, against the
// same commands run by one plain `bash`. Prints both wall times and their ratio.
//   node bench/host-blocks.mjs [N=200] [repeats=3]
import { execFileSync } from 'node:child_process'
import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const n = Number(process.argv[2] ?? 200)
const repeats = Number(process.argv[3] ?? 3)
const cli = resolve(import.meta.dirname, '../dist/src/cli/main.js')
const dir = mkdtempSync(join(tmpdir(), 'docrun-bench-'))
const commands = Array.from({ length: n }, (_, i) => `echo block ${i} > /dev/null; X${i % 10}=${i}`)
writeFileSync(join(dir, 'bench.md'), `# Bench\n\n${commands.map((c) => `\`\`\`sh\n${c}\n\`\`\`\n`).join('\n')}`)
writeFileSync(join(dir, 'bench.sh'), `${commands.join('\n')}\n`)

const time = (fn) => {
  const t0 = performance.now()
  fn()
  return performance.now() - t0
}
const median = (xs) => xs.sort((a, b) => a - b)[Math.floor(xs.length / 2)]
const bash = median(Array.from({ length: repeats }, () => time(() => execFileSync('bash', [join(dir, 'bench.sh')]))))
const docrun = median(Array.from({ length: repeats }, () => time(() => execFileSync('node', [cli, 'run', '--quiet', join(dir, 'bench.md')], { cwd: dir, stdio: 'ignore' }))))
console.log(`blocks: ${n}`)
console.log(`plain bash: ${bash.toFixed(0)} ms`)
console.log(`docrun:     ${docrun.toFixed(0)} ms (${(docrun / n).toFixed(1)} ms per block, startup included)`)
console.log(`ratio:      ${(docrun / bash).toFixed(0)}x`)
