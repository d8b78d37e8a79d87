#!/usr/bin/env node
// docrun's own cost on the host, each figure measured side by side with what it is compared to
// (see bench/lib/measure.mjs) and printed beside its goal (README, Performance).
//   node bench/host.mjs [--rounds N] [--only startup,blocks,sleep,resume,memory] [--against DIR]
// --against DIR: another docrun checkout, built (its dist/), measured in the same rounds for every
// figure — a change's effect on a machine whose load makes milliseconds incomparable.
import { spawn } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { loadavg, tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { alternate, median, row, timeCommand } from './lib/measure.mjs'

const { values } = parseArgs({ options: { rounds: { type: 'string', default: '5' }, only: { type: 'string' }, against: { type: 'string' } } })
const rounds = Number(values.rounds)
const only = values.only ? new Set(values.only.split(',')) : undefined
const root = resolve(import.meta.dirname, '..')
const cli = join(root, 'dist/src/cli/main.js')
const work = mkdtempSync(join(tmpdir(), 'docrun-bench-'))
/** node's arguments to run a main.js as the `docrun` command does: with the node flags of its `#!/usr/bin/env -S node …` line. */
const asCommand = (main) => [...(/^#!\/usr\/bin\/env -S node (.*)/.exec(readFileSync(main, 'utf8').split('\n')[0])?.[1].split(/\s+/) ?? []), main]
const docrun = (args, opts) => timeCommand(process.execPath, [...asCommand(cli), ...args], { cwd: work, ...opts })
const against = values.against ? join(resolve(values.against), 'dist/src/cli/main.js') : undefined
const docrunAgainst = (args, opts) => timeCommand(process.execPath, [...asCommand(against), ...args], { cwd: work, ...opts })
const runbook = (name, blocks) => {
  writeFileSync(join(work, name), `# Bench\n\n${blocks.map((c) => `\`\`\`sh\n${c}\n\`\`\`\n`).join('\n')}`)
  return join(work, name)
}
const script = (name, blocks) => {
  writeFileSync(join(work, name), `${blocks.join('\n')}\n`)
  return join(work, name)
}

function startup() {
  const s390 = join(root, 'runbooks/s390-bpf.md')
  const commands = (run, suffix) => ({
    [`version${suffix}`]: () => run(['--version']),
    [`list${suffix}`]: () => run(['list', s390]),
    [`status${suffix}`]: () => run(['status', s390, '-w', work]),
    [`lint${suffix}`]: () => run(['lint', s390], { allowFail: true }),
  })
  const t = alternate(rounds, {
    node: () => timeCommand(process.execPath, ['-e', '0']),
    ...commands(docrun, ''),
    ...(against ? commands(docrunAgainst, 'Against') : {}),
  })
  const base = median(t.node)
  for (const k of ['version', 'list', 'status', 'lint']) {
    const ratio = median(t[k]) / base
    row(
      `start-up: docrun ${k}${k === 'version' ? '' : ' runbooks/s390-bpf.md'}`,
      `${median(t[k]).toFixed(0)} ms = ${ratio.toFixed(2)}× node -e 0`,
      '≤ 1.6×',
      ratio <= 1.6,
    )
    if (against)
      row(`  the same, ${values.against}`, `${median(t[`${k}Against`]).toFixed(0)} ms = ${(median(t[`${k}Against`]) / base).toFixed(2)}×`, '(side by side)')
  }
  row('start-up: node -e 0', `${base.toFixed(0)} ms`, '(the baseline)')
}

function blocks() {
  const trivial = (n) => Array.from({ length: n }, (_, i) => `echo block ${i} > /dev/null; X${i % 10}=${i}`)
  for (const n of [200, 2000]) {
    const one = runbook(`one-${n}.md`, trivial(1))
    const many = runbook(`many-${n}.md`, trivial(n))
    const bashOne = script(`one-${n}.sh`, trivial(1))
    const bashMany = script(`many-${n}.sh`, trivial(n))
    const r = Math.max(1, Math.round(rounds / (n / 200)))
    const fresh = (ws) => (rmSync(join(work, ws), { recursive: true, force: true }), join(work, ws))
    const t = alternate(r, {
      one: () => docrun(['run', '--quiet', one, '-w', fresh(`ws-one-${n}`)]),
      many: () => docrun(['run', '--quiet', many, '-w', fresh(`ws-many-${n}`)]),
      bashOne: () => timeCommand('bash', [bashOne]),
      bashMany: () => timeCommand('bash', [bashMany]),
      ...(against
        ? {
            oneAgainst: () => docrunAgainst(['run', '--quiet', one, '-w', fresh(`ws-a-one-${n}`)]),
            manyAgainst: () => docrunAgainst(['run', '--quiet', many, '-w', fresh(`ws-a-many-${n}`)]),
          }
        : {}),
    })
    const bash = median(t.bashMany) - median(t.bashOne)
    const added = (median(t.many) - median(t.one) - bash) / (n - 1)
    row(`host: added per trivial block, ${n} blocks`, `${added.toFixed(2)} ms (run ${(median(t.many) / 1000).toFixed(1)} s)`, '≤ 3 ms, flat', added <= 3)
    if (against) {
      const was = (median(t.manyAgainst) - median(t.oneAgainst) - bash) / (n - 1)
      row(`  the same, ${values.against}`, `${was.toFixed(2)} ms (run ${(median(t.manyAgainst) / 1000).toFixed(1)} s)`, '(side by side)')
    }
  }
}

function sleep() {
  const cmds = Array.from({ length: 50 }, () => 'sleep 0.1')
  const [md, mdOne] = [runbook('sleep.md', cmds), runbook('sleep-one.md', cmds.slice(0, 1))]
  const [sh, shOne] = [script('sleep.sh', cmds), script('sleep-one.sh', cmds.slice(0, 1))]
  const t = alternate(rounds, {
    docrun: () => docrun(['run', '--quiet', md, '-w', join(work, 'ws-sleep')]),
    docrunOne: () => docrun(['run', '--quiet', mdOne, '-w', join(work, 'ws-sleep-one')]),
    bash: () => timeCommand('bash', [sh]),
    bashOne: () => timeCommand('bash', [shOne]),
    ...(against ? { docrunAgainst: () => docrunAgainst(['run', '--quiet', md, '-w', join(work, 'ws-a-sleep')]) } : {}),
  })
  const ratio = median(t.docrun) / median(t.bash)
  row('host: 50 × sleep 0.1, the whole run', `${ratio.toFixed(3)}× plain bash (${(median(t.docrun) / 1000).toFixed(2)} s)`, '(start-up included)')
  // The blocks alone: a one-block run subtracted from each side leaves docrun's start and end
  // out (start-up has its own figure above) and compares the 49 blocks with bash's 49 sleeps.
  const blocksOnly = (median(t.docrun) - median(t.docrunOne)) / (median(t.bash) - median(t.bashOne))
  row('host: 50 × sleep 0.1, the blocks (a one-block run subtracted)', `${blocksOnly.toFixed(3)}× plain bash`, '≤ 1.03×', blocksOnly <= 1.03)
  if (against) {
    const was = median(t.docrunAgainst)
    row(`  the same, ${values.against}`, `${(was / median(t.bash)).toFixed(3)}× (${(was / 1000).toFixed(2)} s)`, '(side by side)')
  }
}

function resume() {
  const n = 1000
  const md = runbook('resume.md', [...Array.from({ length: n - 1 }, (_, i) => `: ${i}`), 'exit 3'])
  const ws = join(work, 'ws-resume')
  const wsAgainst = join(work, 'ws-a-resume')
  docrun(['run', '--quiet', md, '-w', ws], { allowFail: true })
  if (against) docrunAgainst(['run', '--quiet', md, '-w', wsAgainst], { allowFail: true })
  const t = alternate(rounds, {
    resume: () => docrun(['run', '--quiet', '--resume', md, '-w', ws], { allowFail: true }),
    ...(against ? { resumeAgainst: () => docrunAgainst(['run', '--quiet', '--resume', md, '-w', wsAgainst], { allowFail: true }) } : {}),
  })
  row(
    `host: --resume of a ${n}-block runbook to its first unrun block`,
    `${median(t.resume).toFixed(0)} ms (the last block runs too)`,
    '< 1000 ms',
    median(t.resume) < 1000,
  )
  if (against) row(`  the same, ${values.against}`, `${median(t.resumeAgainst).toFixed(0)} ms`, '(side by side)')
}

async function memory() {
  const md = runbook('flood.md', ['head -c 1000000000 /dev/zero | tr "\\0" "x" | fold -w 100'])
  await flood(cli, md, 'host: docrun peak RSS while a block prints 1 GB', '< 150 MB')
  if (against) await flood(against, md, `  the same, ${values.against}`, '(one after the other)')
}

async function flood(main, md, name, goal) {
  const t0 = performance.now()
  const ws = join(work, 'ws-flood')
  rmSync(ws, { recursive: true, force: true })
  const child = spawn(process.execPath, [...asCommand(main), 'run', '--quiet', md, '-w', ws], { stdio: 'ignore' })
  // VmHWM is the process's own peak RSS: the last reading before it exits is the run's peak.
  let peakKb = 0
  const timer = setInterval(() => {
    const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))
    if (m) peakKb = Math.max(peakKb, Number(m[1]))
  }, 50)
  const code = await new Promise((r) => child.on('exit', r))
  clearInterval(timer)
  if (code !== 0) throw new Error(`the 1 GB block exited with ${code}`)
  const mb = Math.round(peakKb / 1024)
  row(name, `${mb} MB (${((performance.now() - t0) / 1000).toFixed(0)} s)`, goal, goal.startsWith('<') ? mb < 150 : undefined)
  rmSync(ws, { recursive: true, force: true })
}

const all = { startup, blocks, sleep, resume, memory }
console.log(`docrun host benchmarks (${rounds} rounds each, alternating; medians)`)
try {
  // The machine's load beside each figure: on a shared machine only side-by-side figures compare.
  const load = () =>
    loadavg()
      .map((l) => l.toFixed(1))
      .join(' ')
  for (const [name, fn] of Object.entries(all)) {
    if (only && !only.has(name)) continue
    const [at, before] = [new Date().toISOString().slice(11, 16), load()]
    await fn()
    console.log(`  (${name}: from ${at} UTC, load average ${before} → ${load()})`)
  }
} finally {
  rmSync(work, { recursive: true, force: true })
}
