#!/usr/bin/env node
// CPU-bound host work through docrun against plain bash: a subset of the Linux 6.1 kernel
// (`make -j2 fs/ext4/ kernel/sched/ mm/`), alternating, side by side. Minutes a round, so it
// is not part of `npm run bench`. Out of tree (O=): the source stays as it is, and each round
// starts from the same prepared object tree with those three directories' objects removed.
// It also times the rm guard (every `rm` in a session is docrun's script; kbuild runs
// `rm -f` after each object) against the real rm, and counts the objects, so the README can
// say where the remaining seconds go.
//   node bench/cpu-build.mjs [--rounds N] [--src DIR] [--jobs N]
import { execFileSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { alternate, median, row, timeCommand } from './lib/measure.mjs'

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '2' },
    src: { type: 'string', default: '/work/linux61/linux-source-6.1' },
    jobs: { type: 'string', default: '2' },
  },
})
const root = resolve(import.meta.dirname, '..')
const cli = join(root, 'dist/src/cli/main.js')
const src = resolve(values.src)
if (!existsSync(join(src, 'Makefile'))) throw new Error(`no kernel tree at ${src} (the linux-source-6.1 package has one)`)
const work = mkdtempSync(join(tmpdir(), 'docrun-cpu-build-'))
const obj = join(work, 'obj')
const dirs = ['fs/ext4/', 'kernel/sched/', 'mm/']
const make = `make -s -C ${src} O=${obj} -j${values.jobs} ${dirs.join(' ')}`
const log = (s) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${s}\n`)

function prepare() {
  mkdirSync(obj)
  log(`defconfig and prepare in ${obj} (not timed)`)
  execFileSync('make', ['-s', '-C', src, `O=${obj}`, 'defconfig'], { stdio: 'ignore' })
  execFileSync('make', ['-s', '-C', src, `O=${obj}`, `-j${values.jobs}`, 'prepare'], { stdio: 'ignore' })
}

/** The three directories' objects gone: each round builds them from nothing. */
function clean() {
  for (const d of dirs) rmSync(join(obj, d), { recursive: true, force: true })
}

const countObjects = () => {
  let n = 0
  const walk = (d) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name))
      else if (e.name.endsWith('.o')) n++
    }
  }
  for (const d of dirs) if (existsSync(join(obj, d))) walk(join(obj, d))
  return n
}

function build() {
  const sh = join(work, 'build.sh')
  writeFileSync(sh, `${make}\n`)
  const md = join(work, 'build.md')
  writeFileSync(md, `# Build\n\n\`\`\`sh\n${make}\n\`\`\`\n`)
  let objects = 0
  const t = alternate(Number(values.rounds), {
    bash: () => {
      clean()
      log('round: plain bash')
      const ms = timeCommand('bash', [sh])
      objects = countObjects()
      return ms
    },
    docrun: () => {
      clean()
      log('round: docrun')
      return timeCommand(process.execPath, [cli, 'run', '--quiet', md, '-w', join(work, 'ws')])
    },
  })
  const [b, d] = [median(t.bash), median(t.docrun)]
  row(
    `host: ${make.replace(/ -C \S+ O=\S+/, '')}`,
    `${(d / b).toFixed(3)}× plain bash (${(d / 1000).toFixed(1)} s vs ${(b / 1000).toFixed(1)} s)`,
    '≤ 1.01×',
    d / b <= 1.01,
  )
  log(`bash: ${t.bash.map((x) => (x / 1000).toFixed(1)).join(' ')} s; docrun: ${t.docrun.map((x) => (x / 1000).toFixed(1)).join(' ')} s; ${objects} objects`)
  return objects
}

/** The guard's cost per rm: N × `rm -f` of a missing file through the guard and through the real rm. */
async function guard(objects) {
  const bin = join(work, 'bin')
  mkdirSync(bin)
  const { RM_GUARD } = await import(join(root, 'dist/src/targets/rm-guard.js'))
  writeFileSync(join(bin, 'rm'), RM_GUARD)
  chmodSync(join(bin, 'rm'), 0o755)
  const n = 500
  const loop = (path) => ['-c', `for i in $(seq ${n}); do rm -f ${work}/nothing; done`, { env: { ...process.env, PATH: path } }]
  const run = ([flag, script, opts]) => timeCommand('bash', [flag, script], opts)
  const t = alternate(3, { guard: () => run(loop(`${bin}:${process.env.PATH}`)), real: () => run(loop(process.env.PATH)) })
  const per = (median(t.guard) - median(t.real)) / n
  row('host: the rm guard, added per rm', `${per.toFixed(2)} ms × ${objects} objects ≈ ${((per * objects) / 1000).toFixed(1)} s`, '(where the time goes)')
}

console.log(`docrun CPU-bound build (${values.rounds} rounds each, alternating; medians)`)
try {
  prepare()
  const objects = build()
  await guard(objects)
} finally {
  rmSync(work, { recursive: true, force: true })
}
