// The report page of a real guest run (the s390x test guest, booted in qemu-system-s390x):
// the guest's life as a lane of its own on the timeline, the blocks that ran in it.
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { docrun, latestRun, workspace } from './helpers/cli.js'
import { guestRunbook, useGuest } from './helpers/guest.js'
import { launchBrowser, PNG_MAGIC, type Browser } from './helpers/browser.js'

const guest = useGuest()
let browser: Browser
beforeAll(async () => {
  browser = await launchBrowser()
}, 60_000)
afterAll(async () => {
  await browser?.close()
})

describe('report.html of a guest run', () => {
  it('shows the guest booting, up and shut down as its own lane, and the blocks that ran in it', async () => {
    const ws = workspace()
    const rb = guestRunbook(
      ws,
      guest(),
      `## 2. In the guest

\`\`\`sh {target=vm name=arch}
uname -m
\`\`\`

\`\`\`sh {target=vm name=colours}
printf '\\033[1;32mgreen in the guest\\033[0m\\n'
\`\`\`
`,
    )
    const r = await docrun(['run', rb], { cwd: ws })
    expect(r.exitCode, r.all).toBe(0)
    const page = await browser.page()
    await page.goto(pathToFileURL(join(latestRun(ws), 'report.html')).href)
    expect(await page.locator('.timeline .bar').evaluateAll((bars) => bars.map((b) => b.getAttribute('data-block')))).toEqual(['boot', 'arch', 'colours'])
    const life = page.locator('.timeline .guest-lane[data-guest="vm"] .life')
    expect(await life.count()).toBe(1)
    const lifeline = /^guest vm: started by boot, its shell answered after \S+; guest vm shut down after \S+ \(.*\) \(up \S+\)$/
    expect(await life.getAttribute('title')).toMatch(lifeline)
    // The lane starts with its boot block and ends after the last block that ran in the guest.
    const box = async (sel: string) => (await page.locator(sel).boundingBox())!
    const [boot, lane, last] = [await box('.bar[data-block="boot"]'), await life.boundingBox(), await box('.bar[data-block="colours"]')]
    expect(Math.abs(lane!.x - boot.x)).toBeLessThan(2)
    expect(lane!.x + lane!.width).toBeGreaterThanOrEqual(last.x + last.width - 1)
    expect(await page.locator('article[data-block="arch"] .target code').textContent()).toBe('vm')
    expect(await page.locator('article[data-block="boot"] .notes').textContent()).toMatch(/QEMU \(pid \d+\) started on the host/)
    const out = page.locator('article[data-block="colours"] details.output')
    await out.locator('summary').click()
    // (The console's escape sequences are cleaned on the way in: colours are a host block's.)
    expect(await out.locator('pre').textContent()).toBe('green in the guest')
    await page.screenshot({ path: join(ws, 'guest.png'), fullPage: true })
    expect(readFileSync(join(ws, 'guest.png')).subarray(0, 8)).toEqual(PNG_MAGIC)
  })
})
