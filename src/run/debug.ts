// `docrun run --debug`: a person steps in where a block failed (or timed out), or at its
// {breakpoint} before it runs. The shell opens on the block's own target in the state the
// block left — host and chroot: a new interactive shell from the session's variables,
// functions and directory; a guest: its console attached (the session's own shell). When the
// person leaves it they choose: retry the block as the runbook says now, continue as if it
// passed, skip it, or abort (resumable). Each time is an Intervention in the block's result.
import { randomBytes } from 'node:crypto'
import { readFile, rm } from 'node:fs/promises'
import { formatDuration } from '../common/durations.js'
import { now, type BlockResult, type Intervention } from '../events/events.js'
import type { Plan, Step } from '../plan/types.js'
import { saveSnapshot } from '../state/state.js'
import { attachConsole } from '../targets/attach.js'
import type { RunContext } from './context.js'
import { askKey } from './debug-terminal.js'

export interface DebugOptions {
  /** The runbook as it is on disk now, planned again: a retry runs the block as it reads now. */
  reload(): Promise<Plan>
}

/** Runs one attempt of a block and returns its result (run-block.ts's runBlock). */
export type AttemptRunner = (ctx: RunContext, step: Step, attempt: number) => Promise<BlockResult>

// Ctrl-C in the debug shell reaches the shell alone: an interactive shell takes the terminal's
// foreground (job control), and the question and an attached console read the terminal raw.
// A SIGINT docrun does get (`docrun stop`) stops the run: the shell is ended, the answer is abort.

const CHOICES = { r: 'retry', c: 'continue', s: 'skip', a: 'abort' } as const
type Action = Intervention['action']

/** A block under --debug: its breakpoint, its attempts, a shell after each failure; the result and the step as it ran last. */
export async function attended(ctx: RunContext, first: Step, runAttempt: AttemptRunner): Promise<{ result: BlockResult; step: Step }> {
  const interventions: Intervention[] = []
  let step = first
  if (step.attrs.breakpoint === true) {
    const { intervention, fresh } = await stepIn(ctx, step, 'breakpoint', 1)
    interventions.push(intervention)
    if (intervention.action !== 'retry') return { result: notRun(intervention, interventions), step }
    step = fresh ?? step
  }
  for (let attempt = 1; ; attempt++) {
    const result = await runAttempt(ctx, step, attempt)
    if (result.status === 'passed' || result.status === 'interrupted' || ctx.opts.signal.aborted)
      return { result: withInterventions(result, interventions), step }
    const why = result.status === 'timed-out' ? 'timed-out' : 'failed'
    const { intervention, fresh } = await stepIn(ctx, step, why, attempt, result.message ?? `exit ${result.exitCode ?? 'none'}`)
    interventions.push(intervention)
    if (intervention.action === 'retry') {
      step = fresh ?? step
      continue
    }
    return { result: await decided(ctx, step, result, intervention, interventions), step }
  }
}

const withInterventions = (r: BlockResult, list: Intervention[]): BlockResult => (list.length ? { ...r, interventions: list } : r)

/** After a failed attempt: continue (passed by hand, its shell state kept for --resume), skip, or abort (it stays failed). */
async function decided(ctx: RunContext, step: Step, r: BlockResult, i: Intervention, list: Intervention[]): Promise<BlockResult> {
  const after = `after it ${i.why === 'timed-out' ? 'timed out' : 'failed'} (${i.failure})`
  if (i.action === 'continue') {
    const snapshot = await snapshotNow(ctx, step)
    return {
      ...r,
      status: 'passed',
      timedOut: false,
      message: `passed by hand: a person chose continue ${after}`,
      interventions: list,
      ...(snapshot ? { snapshot } : {}),
    }
  }
  if (i.action === 'skip') return { ...r, status: 'skipped', timedOut: false, message: `skipped by a person ${after}`, interventions: list }
  return { ...r, message: `${r.message ?? r.status}; a person aborted the run here`, interventions: list }
}

/** At a breakpoint, anything but "run it": the block never ran. */
function notRun(i: Intervention, list: Intervention[]): BlockResult {
  const base = { exitCode: null, timedOut: false, interrupted: false, durationMs: 0, startedAt: now(), outputBytes: 0, interventions: list }
  if (i.action === 'continue') return { ...base, status: 'passed', message: 'passed by hand at its breakpoint, without running' }
  if (i.action === 'skip') return { ...base, status: 'skipped', message: 'skipped by a person at its breakpoint' }
  return { ...base, status: 'interrupted', interrupted: true, message: 'a person aborted the run at its breakpoint, before the block ran' }
}

/** A block passed by hand leaves the shell state it has, as a passed block does, so --resume after it starts from there. */
async function snapshotNow(ctx: RunContext, step: Step): Promise<boolean> {
  try {
    const session = await ctx.pool.get(step.target)
    await saveSnapshot(ctx.opts.paths, step.id, await session.snapshot())
    return true
  } catch {
    return false
  }
}

/** The shell, then the question; a retry re-reads the block (asked again if it is gone). */
async function stepIn(
  ctx: RunContext,
  step: Step,
  why: Intervention['why'],
  attempt: number,
  failure?: string,
): Promise<{ intervention: Intervention; fresh?: Step }> {
  const t0 = performance.now()
  await ctx.opts.bus.emit({ type: 'attend', time: now(), step: step.id, target: step.target.name, why, attempt, ...(failure ? { message: failure } : {}) })
  const shell = await openShell(ctx, step, why, failure)
  for (;;) {
    const run = why === 'breakpoint' ? '[r]un it' : '[r]etry'
    // The run stopping (SIGTERM, `docrun stop`) while the person is here: abort.
    const key = await askKey(`docrun: ${step.id}: ${run}, [c]ontinue as passed, [s]kip, [a]bort? `, 'rcsa', 'a', { signal: ctx.opts.signal })
    const action: Action = CHOICES[key as keyof typeof CHOICES]
    let fresh: Step | undefined
    if (action === 'retry') {
      const found = await reread(ctx, step)
      if (typeof found === 'string') {
        process.stdout.write(`docrun: ${found}\n`)
        continue
      }
      fresh = found
    }
    const intervention: Intervention = {
      ...{ why, action, durationMs: performance.now() - t0, attempt, where: shell.where },
      ...(failure ? { failure } : {}),
      ...(shell.commands ? { commands: shell.commands } : {}),
    }
    return { intervention, ...(fresh ? { fresh } : {}) }
  }
}

/** The block with the same id in the runbook as it is now, or why there is none. */
async function reread(ctx: RunContext, step: Step): Promise<Step | string> {
  try {
    const plan = await ctx.opts.debug!.reload()
    const fresh = plan.steps.find((s) => s.id === step.id)
    if (!fresh) return `the runbook has no block ${step.id} now (renamed or removed?): choose again`
    if (fresh.target.name !== step.target.name)
      return `block ${step.id} now runs on ${fresh.target.name}, not ${step.target.name}: choose again (or abort and run again)`
    return fresh
  } catch (error) {
    return `the runbook cannot be read now: ${(error as Error).message.split('\n').slice(0, 8).join('\n')}\nfix it and choose again`
  }
}

interface ShellVisit {
  where: string
  commands?: string[]
}

/** The person's shell on the block's target, until they leave it. A target that cannot give one says why. */
async function openShell(ctx: RunContext, step: Step, why: Intervention['why'], failure?: string): Promise<ShellVisit> {
  const what = why === 'breakpoint' ? 'stopped at its {breakpoint}, before it runs' : `${why === 'timed-out' ? 'timed out' : 'failed'}: ${failure}`
  const say = (text: string) => process.stdout.write(`\ndocrun: ${step.id} ${what}\n${text}\n`)
  try {
    if (step.target.kind === 'guest') return await guestConsole(ctx, step, say)
    return await debugShell(ctx, step, say)
  } catch (error) {
    process.stdout.write(`docrun: no shell on ${step.target.name}: ${(error as Error).message}\n`)
    return { where: `no shell (${(error as Error).message})` }
  }
}

/** A name safe in any prompt (no backslashes, `$` or quotes for the shell to expand). */
const promptName = (id: string) => id.replace(/[^\w.:@+-]/g, '_')

/** Host or chroot: an interactive shell from the session's state; bash's history keeps what was typed. */
async function debugShell(ctx: RunContext, step: Step, say: (text: string) => void): Promise<ShellVisit> {
  const session = await ctx.pool.get(step.target)
  const where = ctx.pool.describe(step.target.name) ?? step.target.name
  const bash = !!session.info?.shell.startsWith('bash')
  const history = `${session.dir}/debug-${randomBytes(6).toString('hex')}.history`
  const term = process.env.TERM ? `TERM='${process.env.TERM.replace(/'/g, '')}'; export TERM\n` : ''
  const rc = bash
    ? `${term}PS1='[docrun debug: ${promptName(step.id)}] \\w\\$ ' PS2='> '\nHISTFILE='${history}' HISTSIZE=10000 HISTFILESIZE=10000 HISTCONTROL= HISTIGNORE=\nunset HISTTIMEFORMAT; shopt -s histappend; PROMPT_COMMAND='history -a'\n`
    : `${term}PS1='[docrun debug: ${promptName(step.id)}] $ ' PS2='> '\n`
  say(
    `a shell ${step.target.kind === 'chroot' ? `in chroot ${step.target.root}` : 'on the host'} in the state the block left (variables, functions, directory); what you set there stays there, files you change stay changed. Leave it with \`exit\` or Ctrl-D.`,
  )
  await ctx.pool.shellAtTerminal(step.target, rc, ctx.opts.signal)
  if (!bash) return { where: `${where} (sh keeps no history: the commands typed are not recorded)` }
  const local = session.channel.localPath?.(history)
  const text = local ? await readFile(local, 'utf8').catch(() => '') : ''
  if (local) await rm(local, { force: true })
  const secrets = ctx.opts.secrets
  const commands = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => (secrets ? secrets.mask(l) : l))
  return { where, commands }
}

/** A guest: its console attached, the session's own shell with a prompt naming the block, until Ctrl-]. */
async function guestConsole(ctx: RunContext, step: Step, say: (text: string) => void): Promise<ShellVisit> {
  const session = await ctx.pool.get(step.target)
  const where = `guest ${step.target.name}'s console`
  await session.sync([`PS1='[docrun debug: ${promptName(step.id)}] # ' PS2='> '`], 15_000)
  say(
    `guest ${step.target.name}'s console, attached: its shell, in the state the block left. Ctrl-C goes to the guest; leave with Ctrl-] (the guest stays up).`,
  )
  const t0 = performance.now()
  session.channel.write('\n')
  const how = await attachConsole(session.channel, { signal: ctx.opts.signal })
  if (how === 'closed') {
    process.stdout.write(`\ndocrun: guest ${step.target.name}'s console ended after ${formatDuration(performance.now() - t0)}: ${session.closedReason ?? ''}\n`)
    return { where }
  }
  process.stdout.write('\n')
  // Ctrl-U drops a half-typed line, so the protocol's next line starts clean; then the prompt goes again.
  session.channel.write(Buffer.from([0x15]))
  try {
    await session.sync(['PS1= PS2='], 15_000)
  } catch (error) {
    process.stdout.write(
      `docrun: guest ${step.target.name}'s shell does not answer after the console was left (${(error as Error).message}); a retry will likely fail\n`,
    )
  }
  return { where: `${where} (what was typed is in its console log)` }
}
