// The parsed-runbook cache (src/runbook/parse-cached.ts) and lint's cache: what they give back is
// what a parse gives, a changed runbook is parsed again, an entry that cannot be read is passed
// over, and `lint --no-cache` lints again.
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseRunbook } from '../src/runbook/parse.js'
import { parseRunbookCached } from '../src/runbook/parse-cached.js'
import { docrun, FIXTURES, ROOT, workspace } from './helpers/cli.js'

const markdownIn = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile() && e.name.endsWith('.md'))
    .map((e) => join(e.parentPath, e.name))

const messages = (r: ReturnType<typeof parseRunbook>) => r.file.messages.map((m) => [m.reason, m.line, m.column, m.ruleId, m.source, m.fatal])

describe('parsed-runbook cache', () => {
  it('gives back what a parse gives, for every runbook and fixture (first a miss, then a hit)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'docrun-parsed-'))
    const files = [...markdownIn(join(ROOT, 'runbooks')), ...markdownIn(FIXTURES)]
    expect(files.length).toBeGreaterThan(10)
    for (const path of files) {
      const text = readFileSync(path, 'utf8')
      const fresh = parseRunbook(text, path)
      const miss = await parseRunbookCached(text, path, { dir })
      const hit = await parseRunbookCached(text, path, { dir })
      expect(miss.runbook, path).toEqual(fresh.runbook)
      expect(hit.runbook, path).toEqual(fresh.runbook)
      expect(messages(hit), path).toEqual(messages(fresh))
    }
    expect(readdirSync(dir).length).toBeGreaterThan(0)
  })

  it('a changed runbook is parsed again; a corrupt or truncated entry is passed over', async () => {
    const ws = workspace()
    const env = { XDG_CACHE_HOME: join(ws, 'cache') }
    const md = join(ws, 'r.md')
    writeFileSync(md, '# R\n\n```sh\necho one\n```\n')
    const first = await docrun(['list', md], { cwd: ws, env })
    expect(first.stdout).toContain('r-1')
    const parsed = join(ws, 'cache/docrun/parsed')
    expect(readdirSync(parsed).some((n) => n.startsWith('runbook-'))).toBe(true)

    writeFileSync(md, '# R\n\n```sh\necho one\n```\n\n```sh\necho two\n```\n')
    const second = await docrun(['list', md], { cwd: ws, env })
    expect(second.exitCode).toBe(0)
    expect(second.stdout).toContain('r-2')

    // Every entry broken (garbage, half a JSON file): the same list as before, from a parse.
    const names = readdirSync(parsed)
    names.forEach((n, i) => writeFileSync(join(parsed, n), i % 2 ? 'garbage' : readFileSync(join(parsed, n), 'utf8').slice(0, 40)))
    const third = await docrun(['list', md], { cwd: ws, env })
    expect(third.exitCode).toBe(0)
    expect(third.stdout).toBe(second.stdout)
    expect(third.stderr).toBe('')
  })

  it('a run of an unchanged runbook refuses a block that cannot run unattended from the cache too', async () => {
    const ws = workspace()
    const env = { XDG_CACHE_HOME: join(ws, 'cache') }
    const md = join(ws, 'r.md')
    writeFileSync(md, '# R\n\n```sh\necho before\n```\n\n```sh\nchroot /tmp/nowhere\n```\n')
    for (const round of [1, 2]) {
      const r = await docrun(['run', '--quiet', md, '-w', join(ws, `w${round}`)], { cwd: ws, env })
      expect(r.exitCode, `round ${round}`).not.toBe(0)
      expect(r.all, `round ${round}`).toContain('cannot run unattended (line 8)')
    }
    expect(readdirSync(join(ws, 'cache/docrun/parsed')).some((n) => n.startsWith('refusals-'))).toBe(true)
  })
})

describe('lint cache', () => {
  it('an unchanged runbook is not linted again; a changed one is; --no-cache lints again', async () => {
    const ws = workspace()
    const env = { XDG_CACHE_HOME: join(ws, 'cache') }
    const md = join(ws, 'r.md')
    writeFileSync(md, '# R\n\n```sh\nsudo apt-get install -y gcc\n```\n')
    const first = await docrun(['lint', md], { cwd: ws, env })
    expect(first.stderr).toContain('sudo')
    // Tamper with the stored report (keeping its key): a cached lint prints what is stored.
    const parsed = join(ws, 'cache/docrun/parsed')
    const entry = readdirSync(parsed).find((n) => n.startsWith('lint-'))
    expect(entry).toBeDefined()
    const stored = JSON.parse(readFileSync(join(parsed, entry!), 'utf8')) as { value: { text: string } }
    stored.value.text = 'TAMPERED REPORT'
    writeFileSync(join(parsed, entry!), JSON.stringify(stored))
    expect((await docrun(['lint', md], { cwd: ws, env })).stderr).toContain('TAMPERED REPORT')

    const bypass = await docrun(['lint', '--no-cache', md], { cwd: ws, env })
    expect(bypass.stderr).not.toContain('TAMPERED')
    expect(bypass.stderr).toBe(first.stderr)
    expect(bypass.exitCode).toBe(first.exitCode)

    writeFileSync(md, '# R\n\n```sh\nsudo apt-get install -y gcc make\n```\n')
    const changed = await docrun(['lint', md], { cwd: ws, env })
    expect(changed.stderr).not.toContain('TAMPERED')
    expect(changed.stderr).toContain('sudo')
  })
})
