// The shell side of the protocol: functions typed once into the session's shell.
// POSIX sh (dash, busybox ash) is enough; bash adds process groups and full state dumps.
//
// Framing: a block is uploaded to a file, then `__dr_run` prints `__DR_BEGIN_<nonce>`,
// runs the file in a background subshell (its own process group under job control),
// waits, and `__dr_end` prints `\n__DR_END_<nonce>:<status>:<timedout>`. The nonce is
// random per command, so output that imitates a marker cannot end a block; the marker
// text is assembled at run time, so a tty's echo of the typed line never matches.
//
// State: the subshell's EXIT trap dumps variables, functions and cwd; the session shell
// sources that dump at top level (bash's `declare` would make locals inside a function).
// Prompts are emptied first, and every marker starts with a newline: a shell without line
// editing (dash) prints its prompt right before a command's output, and a marker must start
// its line.

/** The state dump of a POSIX shell (variables and cwd; dash cannot list its functions). */
const SH_DUMP = String.raw`__dr_dump() {
  { set | grep -v -e '^__dr_' -e '^PPID=' -e '^LINENO=' -e '^OPTIND=' -e '^_='; echo 'cd -- "$PWD"'; } > "$__dr_d/$__dr_n.env" 2>/dev/null
}`

/** A block's job: its traps, errexit, the block sourced; on exit its state and status are left in files. */
const JOB_MAIN = String.raw`__dr_job_main() {
  trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM
  trap '__dr_s=$?; __dr_dump; echo $__dr_s > "$__dr_d/$__dr_n.st"' EXIT
  # dash has no pipefail, and a failing \`set\` (a special builtin) would end the subshell.
  if [ "$1" = 1 ]; then set -e; if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi; fi
  . "$__dr_d/$__dr_n.sh"
}`

/**
 * A {tty} block's job ($1 errexit, $2 rows, $3 columns), in the background subshell: the same job,
 * run by a new shell under util-linux's `script`, whose pty is its stdin, stdout and stderr. That
 * shell starts from this one's state (dumped here to NONCE.in.env, read by tty.sh: see ttyRunner)
 * and leaves its own through the job's EXIT trap, so the session imports it as for any block.
 * script's stdin is a FIFO held open for reading and writing: it never sends data nor EOF.
 */
const TTY_JOB = String.raw`__dr_tty_job() {
  __dr_b=$__dr_n
  if ! command -v script >/dev/null 2>&1; then
    echo "docrun: a {tty} block runs under script (util-linux), and this system has none: install util-linux (Debian: bsdutils)"; exit 127
  fi
  if ! [ -e /dev/pts/ptmx ]; then
    echo "docrun: a {tty} block needs pseudo-terminals, and this system has no /dev/pts (in a chroot: mount -t devpts devpts ROOT/dev/pts, or mount --rbind /dev ROOT/dev)"; exit 126
  fi
  # The directory is private (700): the FIFO needs no mode of its own (mkfifo -m needs /proc, which a chroot may lack).
  [ -p "$__dr_d/tty.in" ] || mkfifo "$__dr_d/tty.in" || exit 126
  __dr_n=$__dr_b.in; __dr_dump
  __dr_sh=${'$'}{BASH:-$(command -v sh)}
  __DR_TTY=$__dr_d __DR_TTY_N=$__dr_b __DR_TTY_E=$1 __DR_TTY_R=$2 __DR_TTY_C=$3 __DR_TTY_SH=$__dr_sh SHELL=$__dr_sh \
    exec script -qefc 'exec "$__DR_TTY_SH" "$__DR_TTY/tty.sh"' /dev/null <>"$__dr_d/tty.in"
}`

export const INIT_SCRIPT = String.raw`
PS1= PS2=
__dr_job= __dr_intd=0 __dr_n= __dr_st=0 __dr_to=0
mkdir -p "$__dr_d" && chmod 700 "$__dr_d"
set -m 2>/dev/null; case $- in *m*) __dr_jc=1;; *) __dr_jc=;; esac
__dr_kill() {
  if [ -n "$__dr_jc" ]; then kill -s "$1" -- "-$2" 2>/dev/null || kill -s "$1" "$2" 2>/dev/null
  else kill -s "$1" "$2" 2>/dev/null; fi
}
# The running block's process group; a {tty} block's lives in its pty's session (its shell wrote the .pg file).
__dr_sig() {
  __dr_p=
  [ -f "$__dr_d/$__dr_n.pg" ] && read -r __dr_p < "$__dr_d/$__dr_n.pg"
  if [ -n "$__dr_p" ]; then kill -s "$1" -- "-$__dr_p" 2>/dev/null || kill -s "$1" "$__dr_p" 2>/dev/null; else __dr_kill "$1" "$2"; fi
}
__dr_intr() {
  __dr_intd=$((__dr_intd + 1))
  [ -n "$__dr_job" ] || return 0
  case $__dr_intd in 1) __dr_sig INT "$__dr_job";; 2) __dr_sig TERM "$__dr_job";; *) __dr_sig KILL "$__dr_job";; esac
}
trap __dr_intr USR1
trap __dr_intr INT
${SH_DUMP}
${JOB_MAIN}
__dr_watch() {
  trap 'kill "$__dr_w" 2>/dev/null; exit 0' TERM
  sleep "$1" & __dr_w=$!; wait "$__dr_w"
  : > "$__dr_d/$__dr_n.timeout"
  __dr_sig TERM "$2"; sleep 5; __dr_sig KILL "$2"
}
${TTY_JOB}
# The job loop both protocols share ($1 nonce, $2 errexit, $3 timeout s, $4 import, $5 $6 a {tty} block's rows and columns):
# BEGIN, the job in the background (its own process group), its watchdog, waited for until it is gone
# (a signal's trap returns from wait early), then __dr_st and __dr_to from the files it left. No fork but the job's
# and the watchdog's: sh-protocol.ts's __dr_run calls it too.
__dr_begin() { printf '\n%s\n' "__DR_BEGIN_$1"; }
__dr_job_run() {
  __dr_begin "$1"
  if [ -n "$5" ]; then (__dr_tty_job "$2" "$5" "$6") </dev/null 2>&1 & else (__dr_job_main "$2" "$4") </dev/null 2>&1 & fi
  __dr_job=$! __dr_wd=
  if [ "$3" -gt 0 ]; then (__dr_watch "$3" "$__dr_job") >/dev/null 2>&1 & __dr_wd=$!; fi
  while :; do wait "$__dr_job"; __dr_st=$?; kill -0 "$__dr_job" 2>/dev/null || break; done
  if [ -n "$__dr_wd" ]; then __dr_kill TERM "$__dr_wd"; wait "$__dr_wd" 2>/dev/null; fi
  [ -f "$__dr_d/$1.st" ] && read -r __dr_st < "$__dr_d/$1.st"
  [ -f "$__dr_d/$1.timeout" ] && __dr_to=1
  [ "$__dr_intd" -gt 0 ] && [ "$__dr_to" = 0 ] && __dr_to=2
  __dr_job=
}
# bash's: $4 the size to check (after a terminal line) or empty; the session sources the dump at top level, then __dr_end.
__dr_run() {
  # Nonces are never reused, so there is nothing stale to remove first (saves a fork).
  __dr_n=$1 __dr_intd=0 __dr_to=0 __dr_st=
  if [ -n "$4" ] && [ "$(wc -c < "$__dr_d/$1.sh")" -ne "$4" ]; then
    __dr_st=254; printf '\n%s\n' "__DR_BEGIN_$1" 'docrun: the block arrived damaged (size mismatch)'; return 0
  fi
  __dr_job_run "$1" "$2" "$3" 1 "$5" "$6"
  return 0
}
__dr_end() { printf '\n%s\n' "__DR_END_$1:$__dr_st:$__dr_to"; }
__dr_sync() { printf '\n%s\n' "__DR_SYNC_$1"; }
__dr_probe() { printf '\n%s\n' "__DR_PROBE_$1:${'$'}{BASH_VERSION:-sh}:$(command -v base64 >/dev/null 2>&1 && echo b64):${'$'}{__dr_jc:-0}:$(id -u 2>/dev/null)"; }
`

/** The functions a protocol text defines: the session's own, never part of a block's state. */
function protocolFunctions(text: string): string {
  return [...new Set([...text.matchAll(/^(__dr_\w+)\(\)/gm)].map((m) => m[1]))].join(' ')
}

/**
 * Sent only to bash (after the probe): a full state dump, and markers in one write each (dash cannot even parse it).
 *
 * The block's subshell dumps its state with builtins only, as it exits: it unsets what is the
 * protocol's or the shell's own (bash re-creates a few, BASH_SOURCE and the like, and readonly ones
 * stay: sourced back they change nothing) and the protocol's functions, then `declare -p` lists
 * every variable and `declare -f` every function. A loop over the variable names with a pattern for each cost 2–3 ms of CPU a
 * block. The session shell's own dump (__dr_dump: detached scripts, cwd=, a {tty} block's start)
 * cannot unset anything, so it filters names as before.
 *
 * bash's stdout is line-buffered: `printf '\n%s\n'` would be two writes, two wake-ups of docrun;
 * the markers lead with RS (\036) instead of a newline (framer.ts).
 */
export const BASH_EXTRAS = String.raw`
__dr_exit() {
  set +eu; set -- "$1" "$__dr_d/$__dr_n"
  unset -f ${protocolFunctions(INIT_SCRIPT)} __dr_exit
  unset -v "${'$'}{!__dr_@}" "${'$'}{!BASH@}" "${'$'}{!COMP_@}" "${'$'}{!EPOCH@}" PIPESTATUS FUNCNAME GROUPS RANDOM SRANDOM SECONDS LINENO HISTCMD DIRSTACK \
    SHLVL OPTIND OPTARG HOSTNAME HOSTTYPE MACHTYPE OSTYPE COLUMNS LINES 2>/dev/null
  { declare -p; declare -f; echo 'cd -- "$PWD"'; } > "$2.env" 2>/dev/null
  echo "$1" > "$2.st"
}
__dr_job_main() {
  trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM
  trap '__dr_exit $?' EXIT
  # bash has pipefail, and a failing set does not end it: no subshell to test for it (a fork a block).
  if [ "$1" = 1 ]; then set -e -o pipefail; fi
  . "$__dr_d/$__dr_n.sh"
}
__dr_begin() { printf '\036%s\n' "__DR_BEGIN_$1"; }
__dr_end() { printf '\036%s\n' "__DR_END_$1:$__dr_st:$__dr_to"; }
__dr_dump() {
  local __dr_v __dr_k=()
  # Prefix expansion lists variable names without forking (compgen in $(...) would fork).
  for __dr_v in ${'$'}{!A*} ${'$'}{!B*} ${'$'}{!C*} ${'$'}{!D*} ${'$'}{!E*} ${'$'}{!F*} ${'$'}{!G*} ${'$'}{!H*} ${'$'}{!I*} ${'$'}{!J*} ${'$'}{!K*} ${'$'}{!L*} ${'$'}{!M*} \
    ${'$'}{!N*} ${'$'}{!O*} ${'$'}{!P*} ${'$'}{!Q*} ${'$'}{!R*} ${'$'}{!S*} ${'$'}{!T*} ${'$'}{!U*} ${'$'}{!V*} ${'$'}{!W*} ${'$'}{!X*} ${'$'}{!Y*} ${'$'}{!Z*} \
    ${'$'}{!a*} ${'$'}{!b*} ${'$'}{!c*} ${'$'}{!d*} ${'$'}{!e*} ${'$'}{!f*} ${'$'}{!g*} ${'$'}{!h*} ${'$'}{!i*} ${'$'}{!j*} ${'$'}{!k*} ${'$'}{!l*} ${'$'}{!m*} \
    ${'$'}{!n*} ${'$'}{!o*} ${'$'}{!p*} ${'$'}{!q*} ${'$'}{!r*} ${'$'}{!s*} ${'$'}{!t*} ${'$'}{!u*} ${'$'}{!v*} ${'$'}{!w*} ${'$'}{!x*} ${'$'}{!y*} ${'$'}{!z*} ${'$'}{!_*}; do
    case $__dr_v in __dr_*|BASH*|SHELLOPTS|EUID|UID|PPID|PIPESTATUS|FUNCNAME|GROUPS|RANDOM|SRANDOM|SECONDS|LINENO|HISTCMD|EPOCH*|DIRSTACK|COMP_*|_|SHLVL|OPTIND|OPTARG|HOSTNAME|HOSTTYPE|MACHTYPE|OSTYPE|COLUMNS|LINES) ;;
    *) __dr_k+=("$__dr_v");; esac
  done
  { declare -p "${'$'}{__dr_k[@]}"; declare -f; echo 'cd -- "$PWD"'; } > "$__dr_d/$__dr_n.env" 2>/dev/null
}
`

/**
 * Typed once after BASH_EXTRAS: what follows __dr_run on a block's typed line, as a file — the
 * dump sourced at top level (in a function its declares would make locals), then the end marker.
 * bash reads a typed line from its pipe a byte at a time, a read(2) each; sourcing this costs one.
 */
export const BASH_POST = String.raw`printf '%s\n' '[ -f "$__dr_d/$__dr_n.env" ] && . "$__dr_d/$__dr_n.env" >/dev/null 2>&1; __dr_end "$__dr_n"' > "$__dr_d/post.sh"`

/**
 * tty.sh: what the shell inside a {tty} block's pty runs (see __dr_tty_job). It takes its
 * arguments from the environment (no quoting through script's -c), starts from the session's state,
 * writes its pid (its pty session's process group: where interrupts and timeouts go), sizes the
 * terminal and runs the job. `-icanon min 0 time 0`: nobody types at this terminal, so every read
 * of it returns at once with nothing, end-of-file as from /dev/null (docrun's other blocks).
 */
export function ttyRunner(bash: boolean): string {
  return [
    '__dr_d=$__DR_TTY __dr_n=$__DR_TTY_N __dr_e=$__DR_TTY_E __dr_r=$__DR_TTY_R __dr_c=$__DR_TTY_C',
    // script started this shell through SHELL: the session's own SHELL, if it had one, comes back with its state.
    'unset __DR_TTY __DR_TTY_N __DR_TTY_E __DR_TTY_R __DR_TTY_C __DR_TTY_SH SHELL',
    '. "$__dr_d/$__dr_n.in.env" >/dev/null 2>&1',
    // A sh session's functions, which its dump cannot hold (functions.ts).
    '[ -f "$__dr_d/$__dr_n.fns" ] && . "$__dr_d/$__dr_n.fns" >/dev/null 2>&1',
    'echo $$ > "$__dr_d/$__dr_n.pg"',
    bash ? BASH_EXTRAS.trim() : SH_DUMP,
    JOB_MAIN,
    'stty rows "$__dr_r" cols "$__dr_c" -icanon min 0 time 0',
    '__dr_job_main "$__dr_e"',
    '',
  ].join('\n')
}

/**
 * A block in another language (Runme's `interpreter`), as shell: the program reads the block
 * from a quoted here-document, so nothing in it is expanded by the shell. The delimiter is
 * random, so no line of the block can end it early.
 */
export function interpreterScript(interpreter: string, content: string, nonce: string): string {
  const end = `__DOCRUN_END_OF_BLOCK_${nonce}`
  return `${interpreter} <<'${end}'\n${content.endsWith('\n') ? content : `${content}\n`}${end}\n`
}
