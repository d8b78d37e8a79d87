// A real browser for the report page tests: Debian's chromium, headless, driven by
// playwright-core. The flags keep it from reaching for the network (this machine's closed
// network refuses Chromium's background connections) and a fresh profile per launch.
import { existsSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'

export const CHROMIUM = '/usr/bin/chromium'

export interface Browser {
  page(viewport?: { width: number; height: number }): Promise<Page>
  close(): Promise<void>
}

export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is not installed: apt-get install chromium (the report page tests drive it; .ci/run installs it)`)
  const profile = mkdtempSync(join(tmpdir(), 'docrun-chromium-'))
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      ...['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run'],
      ...['--disable-background-networking', '--disable-component-update', '--disable-sync'],
    ],
  })
  return {
    async page(viewport = { width: 1200, height: 900 }) {
      const p = await context.newPage()
      await p.setViewportSize(viewport)
      return p
    },
    close: () => context.close(),
  }
}

/** A PNG file's first bytes. */
export const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])
