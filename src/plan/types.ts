// The plan: what will run, where, in which order. Pure data (JSON): `docrun list --json`
// prints it, and the executor reads nothing else about the document.
import type { Attrs, HostDecl, Span, TtySize } from '../runbook/types.js'

export type TargetRef =
  | { kind: 'host'; name: 'host' }
  | { kind: 'chroot'; name: string; root: string }
  | { kind: 'guest'; name: string }
  /** A remote machine over SSH, named in the front matter's `hosts:`. */
  | { kind: 'ssh'; name: string; host: HostDecl }

/** A `{check}` or `{expect}` block attached to the step it follows. */
export interface InlineCheck {
  id: string
  kind: 'check' | 'expect'
  content: string
  position: Span
  /** `{check until=D delay=D}`: run again until it holds or D has passed. */
  untilMs?: number
  delayMs?: number
}

/** Where a guest's QEMU runs and how docrun knows its shell is ready. */
export interface BootSpec {
  guest: string
  ready?: string
  login?: string
  password?: string
}

export type StepAction = 'run' | 'file' | 'boot' | 'copy' | 'none'

export interface PlanSection {
  id: string
  number?: string
  title: string
  label: string
  depth: number
}

export interface Step {
  id: string
  index: number
  section: PlanSection | null
  lang: string
  action: StepAction
  target: TargetRef
  content: string
  hash: string
  /** The same step's hash under earlier docruns' rules (runbook/parse.ts): see plan/hash.ts `recordedAs`. */
  formerHashes?: string[]
  attrs: Attrs
  position: Span
  errexit: boolean
  timeoutMs?: number
  cwd?: string
  capture?: string
  file?: { path: string; append: boolean }
  /** action 'copy' (`{copy}`, `{put}`, `{get}`): files or trees from one target to another, `SRC DEST` a line. */
  copy?: { from: TargetRef; to: TargetRef; items: { src: string; dest: string }[] }
  /** action 'boot': the block is QEMU's command line; `target` is where QEMU runs. */
  boot?: BootSpec
  /** Postconditions written in the runbook right after the block. */
  checks?: InlineCheck[]
  /** A guest block that re-runs whenever its guest boots again ({setup}). */
  setup?: boolean
  /** Runs with the user's terminal (stdin/stdout inherited), outside the framed protocol. */
  interactive?: boolean
  /** Runs with a pseudo-terminal of this size as its stdin, stdout and stderr (`{tty}`, the front matter's `tty:`, Runme's `interactive`). */
  tty?: TtySize
  /** Started and left running until the run ends (Runme's `background`); host or chroot. */
  background?: boolean
  /** Runs through this program, the content on its stdin (Runme's `interpreter`). */
  interpreter?: string
  /** `{cache=PATHS}`: workspace paths stored in the block cache after the step passes (src/cache). */
  cache?: string[]
  /** `{cache-after=B}`: the id of the later step whose passing run stores `cache` (resolved by the plan). */
  cacheAfter?: string
  /** `{inputs=PATHS}`: what the step reads; a change makes it (and what follows) run again on --resume (src/inputs). */
  inputs?: { paths: string[]; exclude?: string[] }
  /** `{done-if=CMD}`: when CMD succeeds on the target, the block's effect is there and it does not run again. */
  doneIf?: string
  /** Run again when it fails: `retry=N` more attempts, or again `until=` this long has passed; `delay=` between. */
  retry?: { attempts?: number; untilMs?: number; delayMs: number }
  /** `wait=REGEX`: after the content, wait for this on the guest's console. */
  wait?: string
  /** Why the step cannot run unattended: it fails at once with this message. */
  refuse?: string
  /** Why the step will not run in this plan (data block, skip, outside the selection); `skipWords` says it. */
  skip?: SkipReason
}

/** Why a step does not run in this plan. */
export type SkipReason =
  /** Not a shell block (a file's contents, output shown in the document). */
  | { kind: 'data'; lang: string }
  /** `{skip}` */
  | { kind: 'marked' }
  /** Runme's `excludeFromRunAll`: left out of full runs, run when named (--only). */
  | { kind: 'exclude-from-run-all' }
  /** A `{check}` or `{expect}` block: it runs as a postcondition of the block it follows. */
  | { kind: 'postcondition'; check: 'check' | 'expect'; of: string }
  /** The `alt=` of an interactive block that gets the terminal in this run. */
  | { kind: 'alternative'; to: string }
  /** An interactive block with no terminal: its `alt=` block runs instead. */
  | { kind: 'needs-terminal'; alternative: string }
  /** `{when=EXPR}` does not hold for this run's params; `why` names the term that fails (secrets masked). */
  | { kind: 'when'; condition: string; why: string }
  /** Outside --from/--to/--only. */
  | { kind: 'not-selected' }

export type SkipKind = SkipReason['kind']

export interface ResolvedParam {
  name: string
  value: string
  source: 'default' | 'set'
  secret: boolean
  /** Declared `path: true`: docrun may write there, so it must stay inside the workspace. */
  path?: boolean
  description?: string
  /** Declared without a default and not set: a run refuses to start (plan/required-params.ts). */
  missing?: { line?: number }
}

/** How the host shell starts: in which program and directory (Runme's `shell` and `cwd`). */
export interface HostStart {
  shell: 'bash' | 'sh'
  /** Absolute directory host blocks start in; the workspace when absent. */
  cwd?: string
}

export interface Plan {
  runbook: { path: string; sha256: string; title?: string; dialect: 'docrun' | 'runme' }
  host: HostStart
  /** The runbook's patterns for output that changes between identical runs. */
  volatile: string[]
  /** Kernel reports on guest consoles the runbook expects (`allow-splats:`). */
  allowSplats?: { pattern: string; reason: string }[]
  /** Test failures the runbook expects (`known-failures:`). */
  knownFailures?: { lists: string[]; tests: string[] }
  params: ResolvedParam[]
  sections: PlanSection[]
  steps: Step[]
}

export interface Selection {
  from?: string
  to?: string
  only?: string[]
}
