// `{when=EXPR}`: blocks the run's params include or leave out, decided at plan time — the syntax,
// the plan's skips and their words, the hash that resume and the block cache key on, hosts that
// take their destination from params, and (through the real CLI) list, status, transcript and
// junit saying "skipped (when: …)".
import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { chainKeys } from '../src/cache/key.js'
import { buildPlan } from '../src/plan/plan.js'
import { missingParamsMessage } from '../src/plan/required-params.js'
import { skipWords } from '../src/plan/skip.js'
import type { Plan } from '../src/plan/types.js'
import { evaluateWhen, parseWhen } from '../src/plan/when.js'
import { doneSteps } from '../src/run/resume.js'
import { parseRunbook } from '../src/runbook/parse.js'
import { emptyState, type State } from '../src/state/state.js'
import { docrun, latestRun, transcript, workspace } from './helpers/cli.js'

const fence = (attrs: string, body: string) => `\`\`\`sh {${attrs}}\n${body}\n\`\`\`\n\n`
const BOOK =
  '---\nparams:\n  test_host: ""\n  mode: {default: kvm, choices: [kvm, native]}\n  API_TOKEN: {default: "", secret: true}\n---\n# Book\n\n## 1. Build\n\n' +
  fence('name=build', 'echo built > artefact') +
  '## 4. Tests\n\n' +
  fence('name=emulated when=!test_host', 'echo emulated tests') +
  fence('name=remote when=test_host', 'echo remote tests') +
  fence('name=kvm when="test_host && mode==kvm"', 'echo under kvm') +
  fence('name=native when="test_host && mode!=kvm"', 'echo on the host kernel') +
  fence('name=report', 'echo report')

/** The same book with its remote blocks on a host named by a param. */
const REMOTE = BOOK.replace('---\n# Book', 'hosts:\n  z: {ssh: "${test_host}"}\n---\n# Book').replace(/(name=(?:remote|kvm|native)) /g, '$1 target=z ')

function planOf(text: string, sets: Record<string, string> = {}) {
  const { runbook, file } = parseRunbook(text, 'book.md')
  const plan = buildPlan(runbook, file, { sets })
  return { plan, messages: file.messages.map((m) => `${m.ruleId}: ${m.reason}`) }
}
const runs = (p: Plan) => p.steps.filter((s) => !s.skip).map((s) => s.id)
const step = (p: Plan, id: string) => p.steps.find((s) => s.id === id)!

describe('when= syntax', () => {
  it.each([
    ['test_host', [{ op: 'set', name: 'test_host' }]],
    ['!test_host', [{ op: 'unset', name: 'test_host' }]],
    ['mode==kvm', [{ op: 'eq', name: 'mode', value: 'kvm' }]],
    ['test_host==', [{ op: 'eq', name: 'test_host', value: '' }]],
    ['mode!=native', [{ op: 'ne', name: 'mode', value: 'native' }]],
    [
      'test_host && mode==kvm',
      [
        { op: 'set', name: 'test_host' },
        { op: 'eq', name: 'mode', value: 'kvm' },
      ],
    ],
    [
      'a&&!b',
      [
        { op: 'set', name: 'a' },
        { op: 'unset', name: 'b' },
      ],
    ],
  ])('%s', (expr, terms) => expect(parseWhen(expr)).toEqual(terms))

  it.each(['', 'a || b', 'a &&', '!', '1abc', 'a = b', 'a==b==c', '!a==b', '(a)'])('`%s` is not a condition', (expr) => {
    expect(typeof parseWhen(expr)).toBe('string')
  })

  it('a condition that does not parse is a document error at the block; a when= on a check too', () => {
    const { messages } = planOf(`# B\n\n${fence('name=a when="a || b"', ':')}${fence('name=b', ':')}${fence('check when=x', ':')}`)
    expect(messages).toEqual([
      'when-syntax: `when=a || b` `a || b` is not a condition: write NAME, !NAME, NAME==VALUE or NAME!=VALUE, joined by &&',
      'attribute-value: `when=` goes on the block a check belongs to (its checks follow it), not on the check',
    ])
  })

  it('an undeclared name reads as empty; a secret is never shown', () => {
    expect(evaluateWhen([{ op: 'set', name: 'nope' }], [])).toEqual({ holds: false, why: 'nope is not declared' })
    const secret = [{ name: 'API_TOKEN', value: 's3cr3t', source: 'set' as const, secret: true }]
    expect(evaluateWhen([{ op: 'eq', name: 'API_TOKEN', value: 'x' }], secret)).toEqual({ holds: false, why: 'API_TOKEN is ********' })
  })
})

describe('when= in the plan', () => {
  it('without test_host the emulated block runs and the remote ones are skipped, with the term that fails', () => {
    const { plan, messages } = planOf(BOOK)
    expect(messages).toEqual([])
    expect(runs(plan)).toEqual(['build', 'emulated', 'report'])
    expect(step(plan, 'remote').skip).toEqual({ kind: 'when', condition: 'test_host', why: 'test_host is empty' })
    expect(skipWords(step(plan, 'kvm').skip!)).toBe('when: test_host && mode==kvm does not hold (test_host is empty)')
  })

  it('test_host set: the remote blocks, kvm or native as mode says', () => {
    expect(runs(planOf(BOOK, { test_host: 'z1' }).plan)).toEqual(['build', 'remote', 'kvm', 'report'])
    const native = planOf(BOOK, { test_host: 'z1', mode: 'native' }).plan
    expect(runs(native)).toEqual(['build', 'remote', 'native', 'report'])
    expect(skipWords(step(native, 'kvm').skip!)).toBe('when: test_host && mode==kvm does not hold (mode is "native")')
    expect(skipWords(step(native, 'emulated').skip!)).toBe('when: !test_host does not hold (test_host is "z1")')
  })

  it('--only keeps a when= that does not hold: the condition is about the params, not the selection', () => {
    const { runbook, file } = parseRunbook(BOOK, 'book.md')
    const plan = buildPlan(runbook, file, { selection: { only: ['remote', 'emulated'] } })
    expect(runs(plan)).toEqual(['emulated'])
    expect(step(plan, 'remote').skip?.kind).toBe('when')
  })

  it('the hash: adding a when= keeps a block that ran done; a remote block on another machine is another block', () => {
    const bare = BOOK.replace(/ when=(?:"[^"]*"|\S+)\}/g, '}')
    expect(bare).not.toContain('when=')
    const [withWhen, without] = [planOf(BOOK).plan, planOf(bare).plan]
    for (const s of without.steps) expect([s.id, step(withWhen, s.id).hash]).toEqual([s.id, s.hash])
    const [a, b] = [planOf(REMOTE, { test_host: 'root@a' }).plan, planOf(REMOTE, { test_host: 'root@b' }).plan]
    expect(step(a, 'remote').hash).not.toBe(step(b, 'remote').hash)
    expect(step(a, 'build').hash).toBe(step(b, 'build').hash)
  })

  it('resume: a passed remote block is not done for another host; a when= block left out neither counts nor breaks the chain', () => {
    const a = planOf(REMOTE, { test_host: 'root@a' }).plan
    const passedIn = (p: Plan, ...ids: string[]): State => ({
      ...emptyState('book.md', 'x'),
      blocks: Object.fromEntries(
        ids.map((id) => [id, { hash: step(p, id).hash, status: 'passed', exitCode: 0, durationMs: 1, finishedAt: '', runId: 'r0', target: 'host' }]),
      ),
    })
    const remoteRun = passedIn(a, 'build', 'remote', 'kvm', 'report')
    expect([...doneSteps(a, remoteRun)]).toEqual(['build', 'remote', 'kvm', 'report'])
    expect([...doneSteps(planOf(REMOTE, { test_host: 'root@b' }).plan, remoteRun)]).toEqual(['build'])
    // Emulated first, then a run on a test host, then emulated again: what ran emulated is done, the rest too.
    const none = planOf(REMOTE).plan
    const both = { ...remoteRun, blocks: { ...remoteRun.blocks, ...passedIn(none, 'emulated').blocks } }
    expect([...doneSteps(none, both)]).toEqual(['build', 'emulated', 'report'])
  })

  it('cache keys: a when= block left out is off the chain; one that holds is on it', () => {
    const none = chainKeys(planOf(BOOK).plan)
    const remote = chainKeys(planOf(BOOK, { test_host: 'a' }).plan)
    expect([...none.keys()]).toEqual(['build', 'emulated', 'report'])
    expect([...remote.keys()]).toEqual(['build', 'remote', 'kvm', 'report'])
    expect(remote.get('build')).toBe(none.get('build'))
    expect(remote.get('report')).not.toBe(none.get('report'))
    // The params a when= reads are in the key of the block it lets in: another test host, another key.
    expect(chainKeys(planOf(BOOK, { test_host: 'b' }).plan).get('remote')).not.toBe(remote.get('remote'))
  })

  it('a run refuses an undeclared name in when= before anything runs', () => {
    const { plan } = planOf(`---\nparams: {test_host: ""}\n---\n# B\n\n${fence('name=a when=test_hots', ':')}`)
    expect(missingParamsMessage(plan)).toBe(
      'book.md:6: `when=test_hots` names no declared param (test_hots)\n\ndocrun: a when= condition needs params the runbook declares; nothing was run.',
    )
    expect(missingParamsMessage(planOf(BOOK).plan)).toBeUndefined()
  })
})

describe('hosts: a destination from a param', () => {
  const HOSTS = '---\nparams:\n  test_host: ""\nhosts:\n  z: {ssh: "${test_host}", options: {UserKnownHostsFile: "~/.ssh/${test_host}.known"}}\n---\n# B\n\n'
  it("the step's target is the machine this run names; another host is another step", () => {
    const text = HOSTS + fence('name=there target=z when=test_host', 'uname -m') + '```text {name=put put target=z when=test_host}\na b\n```\n'
    const { plan, messages } = planOf(text, { test_host: 'root@z1.example' })
    expect(messages).toEqual([])
    expect(step(plan, 'there').target).toEqual({
      kind: 'ssh',
      name: 'z',
      host: { ssh: 'root@z1.example', options: { UserKnownHostsFile: '~/.ssh/root@z1.example.known' } },
    })
    expect(step(plan, 'put').copy!.to).toEqual(step(plan, 'there').target)
    expect(step(plan, 'there').refuse).toBeUndefined()
    expect(step(planOf(text, { test_host: 'root@z2.example' }).plan, 'put').hash).not.toBe(step(plan, 'put').hash)
  })

  it('refused, not passed to ssh: an empty destination, an option, a space', () => {
    const text = HOSTS + fence('name=there target=z', 'uname -m')
    expect(step(planOf(text).plan, 'there').refuse).toBe(
      'host `z` has no destination in this run: its `ssh: ${test_host}` is empty (--set test_host=USER@HOST); nothing ran on it',
    )
    expect(step(planOf(text, { test_host: '-oProxyCommand=id' }).plan, 'there').refuse).toMatch(/^host `z`: `ssh` takes user@host/)
    expect(step(planOf(text, { test_host: 'a b' }).plan, 'there').refuse).toMatch(/^host `z`: `ssh` takes user@host/)
    const undeclared = '---\nhosts:\n  z: {ssh: "$nobody"}\n---\n# B\n\n' + fence('name=there target=z', ':')
    expect(step(planOf(undeclared).plan, 'there').refuse).toBe('host `z`: no param `nobody` is declared; nothing ran on it')
  })
})

describe('the CLI says "skipped (when: …)" in list, status, transcript and junit', () => {
  it('a real run of host blocks, without and with test_host', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'book.md'), BOOK)
    const list = await docrun(['list', 'book.md'], { cwd: ws })
    expect(list.stdout).toMatch(/- remote {2}\[sh\] run @ host {2}\{name=remote when=test_host\} {2}\(when: test_host does not hold \(test_host is empty\)\)/)
    const r = await docrun(['run', 'book.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    const t = transcript(ws)
    expect(t).toContain('when: test_host does not hold (test_host is empty)')
    expect(t).toContain('emulated tests')
    expect(existsSync(join(latestRun(ws), 'output/remote.log'))).toBe(false)
    const junit = readFileSync(join(latestRun(ws), 'junit.xml'), 'utf8')
    expect(junit).toMatch(/<testcase [^>]*name="remote"[^>]*>\s*<skipped message="when: test_host does not hold \(test_host is empty\)"/)
    const status = await docrun(['status', 'book.md'], { cwd: ws })
    expect(status.stdout).toMatch(/skipped +remote/)
    expect(status.stdout).toMatch(/done +emulated/)

    // The same workspace with a test host: the remote blocks run, the emulated one is left out, the rest stays done.
    const again = await docrun(['run', 'book.md', '--resume', '--set', 'test_host=z1', '--set', 'mode=native'], { cwd: ws })
    expect(again.exitCode, again.all).toBe(0)
    const t2 = transcript(ws)
    expect(t2).toContain('when: !test_host does not hold (test_host is "z1")')
    expect(t2).toContain('remote tests')
    expect(t2).toContain('on the host kernel')
    const status2 = await docrun(['status', 'book.md', '--set', 'test_host=z1', '--set', 'mode=native'], { cwd: ws })
    expect(status2.stdout).toMatch(/done +remote/)
    expect(status2.stdout).toMatch(/skipped +emulated/)
    // And back: nothing left to run.
    const back = await docrun(['run', 'book.md', '--resume'], { cwd: ws })
    expect(back.exitCode, back.all).toBe(0)
    expect(existsSync(join(latestRun(ws), 'output/emulated.log'))).toBe(false)
    expect(transcript(ws)).toContain('done in an earlier run')
  })
})
