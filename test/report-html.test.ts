// The report page of real runs, opened in a real browser (Debian's chromium, headless): what
// a person sees is checked through the DOM, and a screenshot is taken.
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import { execa } from 'execa'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { CLI, docrun, FIXTURES, latestRun, workspace } from './helpers/cli.js'
import { launchBrowser, PNG_MAGIC, type Browser } from './helpers/browser.js'
import { runIdentityOfHead } from '../src/events/read.js'

const RUNBOOK = `---
title: Report page test
params:
  API_TOKEN: {default: "tok-s3cret-9f2", secret: true}
  verifier: {default: "${join(FIXTURES, 'reports/test_verifier-s390x-7.2.txt')}"}
  tap: {default: "${join(FIXTURES, 'reports/kselftest-runner-7.2.txt')}"}
---
# Report page test

## 1. Setup

\`\`\`sh {name=hello}
printf 'hello \\033[31mred\\033[0m world\\n'
echo "token is $API_TOKEN"
\`\`\`

\`\`\`sh {name=long}
seq 1 500
\`\`\`

## 2. Tests

\`\`\`sh {name=verifier}
cat "$verifier"
\`\`\`

\`\`\`sh {name=kselftest}
cat "$tap"
\`\`\`

## 3. Checks

\`\`\`sh {name=greeting}
echo "Hello, moon"
\`\`\`

\`\`\`text {expect}
Hello, world
\`\`\`
`

let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
}, 60_000)
afterAll(async () => {
  await browser?.close()
})

const fileUrl = (path: string) => pathToFileURL(path).href
const texts = (page: import('playwright-core').Page, sel: string) => page.locator(sel).allTextContents()

describe('report.html', () => {
  it('every run writes one: timeline bars per block, the failing {expect} with its diff, test report tables, ANSI output, secrets masked', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'report.md'), RUNBOOK)
    const r = await docrun(['run', 'report.md'], { cwd: ws })
    expect(r.exitCode, r.all).toBe(1)
    const runDir = latestRun(ws)
    const path = join(runDir, 'report.html')
    expect(existsSync(path)).toBe(true)
    const raw = readFileSync(path, 'utf8')
    // Self-contained: nothing fetched from anywhere.
    expect(raw).not.toMatch(/<(?:link|img|iframe)\b|<script[^>]+src=|https?:\/\//)
    expect(raw).not.toContain('tok-s3cret-9f2')

    const page = await browser.page()
    await page.goto(fileUrl(path))
    expect(await page.textContent('#run-status')).toBe('failed')
    expect(await page.textContent('#run-counts')).toBe('4 passed · 1 failed')
    const blockIds = (bars: Element[]) => bars.map((b) => b.getAttribute('data-block'))
    expect(await page.locator('.timeline .bar').evaluateAll(blockIds)).toEqual(['hello', 'long', 'verifier', 'kselftest', 'greeting'])
    expect(await page.locator('.timeline .lane:not(.guest-lane) .lane-label').allTextContents()).toEqual(['1. Setup', '2. Tests', '3. Checks'])

    // The failing block: its message, the failed {expect} and the diff, coloured by line.
    const failing = page.locator('article[data-block="greeting"]')
    expect(await failing.getAttribute('data-status')).toBe('failed')
    expect(await failing.locator('.check-failed').count()).toBe(1)
    expect(await failing.locator('.diff .del').allTextContents()).toContain('-Hello, world')
    expect(await failing.locator('.diff .add').allTextContents()).toContain('+Hello, moon')
    expect(await failing.locator('.exit').textContent()).toBe('0')

    // Test reports: test_verifier's summary, kselftest's TAP with its failing test by name.
    const verifier = page.locator('article[data-block="verifier"] table.report tr[data-format="test_verifier"] td')
    expect(await verifier.allTextContents()).toEqual(['test_verifier', '791', '0', '0', '791'])
    const tap = page.locator('article[data-block="kselftest"] table.report tr[data-format="tap"] td')
    expect(await tap.allTextContents()).toEqual(['tap', '1', '1', '1', '3'])
    expect(await texts(page, 'article[data-block="kselftest"] ul.failing li')).toEqual(['selftests: demo: fails.sh'])

    // Output: collapsed, colours rendered, a long one as head and tail with its side file.
    const hello = page.locator('article[data-block="hello"] details.output')
    expect(await hello.evaluate((d) => (d as HTMLDetailsElement).open)).toBe(false)
    await hello.locator('summary').click()
    const red = hello.locator('pre span', { hasText: 'red' })
    expect(await red.evaluate((s) => getComputedStyle(s).color)).toBe('rgb(187, 0, 0)')
    expect(await hello.locator('pre').textContent()).toContain('token is ********')
    const long = page.locator('article[data-block="long"] details.output')
    expect(await long.locator('.elided').textContent()).toMatch(/410 lines left out/)
    const side = await long.locator('a.side-file').getAttribute('href')
    expect(side).toBe('output/long.log')
    expect(readFileSync(join(runDir, side!), 'utf8').split('\n').length).toBe(501)

    // Hover says what a bar was; click goes to its block.
    expect(await page.locator('.timeline .bar[data-block="greeting"]').getAttribute('title')).toMatch(/^greeting — failed in \S+ on host/)
    await page.locator('.timeline .bar[data-block="greeting"]').click()
    expect(new URL(page.url()).hash).toBe('#b-greeting')

    const shot = join(ws, 'report.png')
    await page.screenshot({ path: shot, fullPage: true })
    expect(statSync(shot).size).toBeGreaterThan(10_000)
    expect(readFileSync(shot).subarray(0, 8)).toEqual(PNG_MAGIC)

    // On a phone: nothing wider than the screen but what scrolls inside its own box.
    const phone = await browser.page({ width: 390, height: 800 })
    await phone.goto(fileUrl(path))
    expect(await phone.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390)
    await phone.screenshot({ path: join(ws, 'report-phone.png'), fullPage: true })
    // Printed: every collapsed output opens.
    await page.emulateMedia({ media: 'print' })
    const pdfText = await page.evaluate(() => {
      window.dispatchEvent(new Event('beforeprint'))
      return [...document.querySelectorAll('details')].every((d) => d.open)
    })
    expect(pdfText).toBe(true)
  })

  it('docrun report renders a run again from its events; beside each block its time in the previous run; --compare side by side', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'twice.md'), TWICE)
    const first = await docrun(['run', 'twice.md', '--set', 'nap=1.5'], { cwd: ws })
    expect(first.exitCode, first.all).toBe(0)
    const run1 = latestRun(ws)
    const second = await docrun(['run', 'twice.md', '--set', 'nap=0.1'], { cwd: ws })
    expect(second.exitCode, second.all).toBe(0)
    const run2 = latestRun(ws)
    const id1 = run1.split('/').pop()!
    const id2 = run2.split('/').pop()!

    const page = await browser.page()
    await page.goto(fileUrl(join(run2, 'report.html')))
    expect(await page.locator('article[data-block="nap"] .vs').textContent()).toMatch(/^\(previous run \d+(?:\.\d)?s: \S+ faster \(−\d+%\)\)$/)
    expect(await page.locator('article[data-block="nap"] .vs').getAttribute('title')).toBe(`run ${id1}`)
    // The earlier run was found by the head of its run-start line, without parsing its plan.
    expect(runIdentityOfHead(readFileSync(join(run1, 'events.jsonl'), 'utf8').slice(0, 4096))).toMatchObject({
      runId: id1,
      sha256: expect.stringMatching(/^[0-9a-f]{64}$/),
    })
    expect(await page.locator('.timeline .bar[data-block="nap"]').getAttribute('title')).toMatch(/previous run \d+(?:\.\d)?s: .* faster/)

    // A run made before report.html existed has none: docrun report writes it from events.jsonl.
    rmSync(join(run1, 'report.html'))
    const again = await docrun(['report', id1], { cwd: ws })
    expect(again.exitCode, again.all).toBe(0)
    expect(again.stdout.trim()).toBe(join(run1, 'report.html'))
    await page.goto(fileUrl(join(run1, 'report.html')))
    expect(await page.locator('.timeline .bar').count()).toBe(2)
    expect(await page.locator('article .vs').count()).toBe(0)

    // --compare: text without --html, a table in the page with it.
    const text = await docrun(['report', id2, '--compare', id1], { cwd: ws })
    expect(text.exitCode, text.all).toBe(0)
    expect(text.stdout).toContain(`run ${id2} (passed, `)
    expect(text.stdout).toMatch(/^nap +passed +\S+ +passed +\S+ +−\S+/m)
    expect(text.stdout).toMatch(/^verifier +passed .* 791 passed, 0 failed, 0 skipped +791 passed, 0 failed, 0 skipped$/m)
    const out = join(ws, 'compare.html')
    const withPage = await docrun(['report', id2, '--compare', id1, '--html', out], { cwd: ws })
    expect(withPage.exitCode, withPage.all).toBe(0)
    await page.goto(fileUrl(out))
    expect(await page.locator('table.compare tbody tr').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-block')))).toEqual(['nap', 'verifier'])
    // The page is elsewhere: its links to the side files still lead to them.
    const href = await page.locator('article[data-block="nap"] a.side-file').getAttribute('href')
    expect(existsSync(join(ws, href!))).toBe(true)
  })

  it('a malformed or truncated events.jsonl: the page shows what it can and says which lines it could not read', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'twice.md'), TWICE)
    expect((await docrun(['run', 'twice.md'], { cwd: ws })).exitCode).toBe(0)
    const copy = join(ws, 'broken-run')
    mkdirSync(join(copy, 'output'), { recursive: true })
    for (const f of readdirSync(join(latestRun(ws), 'output'))) copyFileSync(join(latestRun(ws), 'output', f), join(copy, 'output', f))
    const lines = readFileSync(join(latestRun(ws), 'events.jsonl'), 'utf8')
      .trimEnd()
      .split('\n')
    const last = lines.pop()!
    // A bad edit on line 3, and a torn last line (a docrun killed while writing run-end).
    lines.splice(2, 0, '{"type": "block-start", "step": ')
    writeFileSync(join(copy, 'events.jsonl'), `${lines.join('\n')}\n${last.slice(0, 40)}`)
    const r = await docrun(['report', copy, '--html', join(ws, 'broken.html')], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    expect(r.stderr).toMatch(/2 line\(s\) of .*events\.jsonl could not be read \(first: line 3, not JSON/)
    const page = await browser.page()
    await page.goto(fileUrl(join(ws, 'broken.html')))
    const problems = await page.locator('#problems').textContent()
    expect(problems).toContain('2 lines of events.jsonl could not be read')
    expect(problems).toContain('line 3: not JSON')
    expect(problems).toContain(`line ${lines.length + 1}: not JSON`)
    expect(await page.textContent('#run-status')).toBe('did not finish (its docrun is gone)')
    expect(await page.locator('.timeline .bar').count()).toBe(2)
    expect(await page.locator('article[data-block="verifier"] table.report td.passed').textContent()).toBe('791')
  })

  it('an interrupted run writes its page too (docrun stop interrupts it as Ctrl-C would)', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'live.md'), LIVE)
    const d = await docrun(['run', 'live.md', '--detach'], { cwd: ws })
    expect(d.exitCode, d.all).toBe(0)
    const runId = d.stdout.trim()
    const runDir = join(ws, '.docrun/runs', runId)
    for (const end = Date.now() + 20_000; !readFileSync(join(runDir, 'events.jsonl'), 'utf8').includes('"step":"slow"'); await sleep(100)) {
      if (Date.now() > end) throw new Error('the slow block did not start')
    }
    const stop = await docrun(['stop', runId], { cwd: ws })
    expect(stop.exitCode, stop.all).toBe(0)
    const page = await browser.page()
    await page.goto(fileUrl(join(runDir, 'report.html')))
    expect(await page.textContent('#run-status')).toBe('interrupted')
    expect(await page.locator('article[data-block="slow"]').getAttribute('data-status')).toBe('interrupted')
    expect(await page.locator('article[data-block="after"]').getAttribute('data-status')).toBe('not run')
    expect(await page.locator('.timeline .bar.st-interrupted[data-block="slow"]').count()).toBe(1)
  })

  it('status --follow --serve: the page of a detached run follows it in the browser without a reload', async () => {
    const ws = workspace()
    writeFileSync(join(ws, 'live.md'), LIVE)
    const d = await docrun(['run', 'live.md', '--detach'], { cwd: ws })
    expect(d.exitCode, d.all).toBe(0)
    const runId = d.stdout.trim()
    const follower = execa('node', [CLI, 'status', '--follow', runId, '--serve', '0'], { cwd: ws, reject: false, env: { NO_COLOR: '1' } })
    let err = ''
    follower.stderr!.on('data', (c: Buffer) => (err += c.toString()))
    const until = async (what: string, cond: () => boolean) => {
      for (const end = Date.now() + 20_000; !cond(); await sleep(50)) if (Date.now() > end) throw new Error(`timed out waiting for ${what}; stderr: ${err}`)
    }
    await until('the URL', () => /live: http:\/\/\S+\//.test(err))
    const url = /live: (http:\/\/\S+\/)/.exec(err)![1]!
    // Loopback only unless --host says otherwise.
    expect(new URL(url).hostname).toBe('127.0.0.1')
    const page = await browser.page()
    await page.goto(url)
    await page.evaluate(() => ((window as unknown as { marker: number }).marker = 42))
    expect(await page.locator('article[data-block="after"]').getAttribute('data-status')).toBe('not run')
    await page.locator('article[data-block="slow"][data-status="running"]').waitFor({ timeout: 20_000 })
    expect(await page.locator('.timeline .bar.st-running[data-block="slow"]').count()).toBe(1)
    await page.locator('article[data-block="after"][data-status="passed"]').waitFor({ timeout: 30_000 })
    // The same document all along: updated by its event stream, never reloaded.
    expect(await page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(42)
    await page.locator('#live.ended').waitFor({ timeout: 10_000 })
    expect(await page.textContent('#run-status')).toBe('passed')
    expect(await page.locator('article[data-block="slow"] details.output pre').textContent()).toContain('tick 3')
    const f = await follower
    expect(f.exitCode, f.all).toBe(0)
    await page.screenshot({ path: join(ws, 'live.png'), fullPage: true })
    expect(readFileSync(join(ws, 'live.png')).subarray(0, 8)).toEqual(PNG_MAGIC)
  })
})

const TWICE = `---
params:
  nap: {default: "0.2"}
  verifier: {default: "${join(FIXTURES, 'reports/test_verifier-s390x-7.2.txt')}"}
---
# Twice

\`\`\`sh {name=nap}
sleep "$nap"
\`\`\`

\`\`\`sh {name=verifier}
tail -n 3 "$verifier"
\`\`\`
`

const LIVE = `# Live

\`\`\`sh {name=one}
echo start
\`\`\`

\`\`\`sh {name=slow}
sleep 1.5
for i in 1 2 3; do echo tick $i; sleep 1; done
\`\`\`

\`\`\`sh {name=after}
echo after
\`\`\`
`
