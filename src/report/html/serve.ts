// `docrun status --follow --serve`: the report page of a run as it goes on, over HTTP on the
// loopback interface (another only when asked). GET / is the page; GET /events is a stream of
// server-sent events, each the page's new <main> (at most four a second), then `end` when the
// run is over; GET /output/<file> is a block's whole output from the run directory.
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { readFile } from 'node:fs/promises'
import { basename, join } from 'node:path'
import type { AddressInfo } from 'node:net'
import type { RunEvent } from '../../events/events.js'
import { RunModel } from './model.js'
import { loadBaseline, type Baseline } from './previous.js'
import { liveStatus, pageTitle, renderMain, renderPage } from './page.js'

export interface ReportServer {
  url: string
  /** An event of the run, as followRun reads it. */
  push(e: RunEvent): void
  /** Send the last page and `end`, and stop serving. */
  close(): Promise<void>
}

const EVERY_MS = 250
const TICK_MS = 2000

export async function serveReport(runDir: string, opts: { port: number; host: string }): Promise<ReportServer> {
  const model = new RunModel()
  const clients = new Set<ServerResponse>()
  let baseline: Baseline = new Map()
  let timer: NodeJS.Timeout | undefined
  const pageOpts = () => ({ baseline, href: (file: string) => `/${file}`, live: '/events' })
  const message = () => {
    const view = model.view(Date.now())
    return `event: page\ndata: ${JSON.stringify({ main: renderMain(view, pageOpts()).text, title: pageTitle(view), status: liveStatus(view) })}\n\n`
  }
  const broadcast = () => {
    timer = undefined
    if (!clients.size) return
    const m = message()
    for (const c of clients) c.write(m)
  }
  const schedule = () => (timer ??= setTimeout(broadcast, EVERY_MS))
  // A block that prints nothing for a while still grows on the timeline.
  const tick = setInterval(schedule, TICK_MS)

  const server = createServer((req, res) => {
    route(req, res, { page: () => renderPage(model.view(Date.now()), pageOpts()), message, clients, runDir }).catch(() => res.destroy())
  })
  await new Promise<void>((ok, fail) => {
    server.once('error', fail)
    server.listen(opts.port, opts.host, () => ok())
  })
  const { address, port } = server.address() as AddressInfo
  const host = address.includes(':') ? `[${address}]` : address
  return {
    url: `http://${host}:${port}/`,
    push(e) {
      model.apply(e)
      if (e.type === 'run-start') {
        // The earlier runs' durations arrive a little later; the page is drawn again then.
        void loadBaseline(model.view()).then((b) => {
          baseline = b
          schedule()
        })
      }
      schedule()
    },
    async close() {
      clearInterval(tick)
      clearTimeout(timer)
      broadcast()
      for (const c of clients) c.end('event: end\ndata: {}\n\n')
      clients.clear()
      await new Promise<void>((ok) => {
        server.close(() => ok())
        server.closeAllConnections()
      })
    },
  }
}

interface Routes {
  page: () => string
  message: () => string
  clients: Set<ServerResponse>
  runDir: string
}

async function route(req: IncomingMessage, res: ServerResponse, r: Routes): Promise<void> {
  const path = new URL(req.url ?? '/', 'http://localhost').pathname
  if (req.method !== 'GET' && req.method !== 'HEAD') return void res.writeHead(405, { allow: 'GET' }).end()
  if (path === '/' || path === '/report.html') {
    return void res.writeHead(200, { 'content-type': 'text/html; charset=utf-8', 'cache-control': 'no-store' }).end(r.page())
  }
  if (path === '/events') {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive' })
    res.write(r.message())
    r.clients.add(res)
    req.on('close', () => r.clients.delete(res))
    return
  }
  const output = /^\/output\/([^/]+)$/.exec(path)
  if (output) {
    // Only a file directly in the run's output/ folder.
    const text = await readFile(join(r.runDir, 'output', basename(decodeURIComponent(output[1]!)))).catch(() => undefined)
    if (text) return void res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' }).end(text)
  }
  res.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n')
}
