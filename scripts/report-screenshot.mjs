#!/usr/bin/env node
// A report page's screenshot for the README: Debian's chromium, headless, through playwright-core
// (the same flags as the report tests: no network, a fresh profile).
//   node scripts/report-screenshot.mjs PAGE.html OUT.png [WIDTH=1200] [HEIGHT=900]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { chromium } from 'playwright-core'

const [page, out, width = '1200', height = '900'] = process.argv.slice(2)
if (!page || !out) throw new Error('usage: node scripts/report-screenshot.mjs PAGE.html OUT.png [WIDTH] [HEIGHT]')
const profile = mkdtempSync(join(tmpdir(), 'docrun-chromium-'))
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  args: [
    '--headless',
    '--no-sandbox',
    '--disable-gpu',
    '--disable-quic',
    '--no-first-run',
    '--disable-background-networking',
    '--disable-component-update',
    '--disable-sync',
  ],
})
try {
  const p = await context.newPage()
  await p.setViewportSize({ width: Number(width), height: Number(height) })
  await p.goto(`file://${resolve(page)}`)
  await p.screenshot({ path: out })
} finally {
  await context.close()
  rmSync(profile, { recursive: true, force: true })
}
