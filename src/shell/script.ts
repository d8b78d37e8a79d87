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

export const INIT_SCRIPT = String.raw`
PS1= PS2=
__dr_job= __dr_intd=0 __dr_n= __dr_st=0 __dr_to=0
mkdir -p "$__dr_d" && chmod 700 "$__dr_d"
set -m 2>/dev/null; case $- in *m*) __dr_jc=1;; *) __dr_jc=;; esac
__dr_kill() {
  if [ -n "$__dr_jc" ]; then kill -s "$1" -- "-$2" 2>/dev/null || kill -s "$1" "$2" 2>/dev/null
  else kill -s "$1" "$2" 2>/dev/null; fi
}
__dr_intr() {
  __dr_intd=$((__dr_intd + 1))
  [ -n "$__dr_job" ] || return 0
  case $__dr_intd in 1) __dr_kill INT "$__dr_job";; 2) __dr_kill TERM "$__dr_job";; *) __dr_kill KILL "$__dr_job";; esac
}
trap __dr_intr USR1
trap __dr_intr INT
__dr_dump() {
  { set | grep -v -e '^__dr_' -e '^PPID=' -e '^LINENO=' -e '^OPTIND=' -e '^_='; echo 'cd -- "$PWD"'; } > "$__dr_d/$__dr_n.env" 2>/dev/null
}
__dr_job_main() {
  trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM
  trap '__dr_s=$?; __dr_dump; echo $__dr_s > "$__dr_d/$__dr_n.st"' EXIT
  # dash has no pipefail, and a failing \`set\` (a special builtin) would end the subshell.
  if [ "$1" = 1 ]; then set -e; if (set -o pipefail) 2>/dev/null; then set -o pipefail; fi; fi
  . "$__dr_d/$__dr_n.sh"
}
__dr_watch() {
  trap 'kill "$__dr_w" 2>/dev/null; exit 0' TERM
  sleep "$1" & __dr_w=$!; wait "$__dr_w"
  : > "$__dr_d/$__dr_n.timeout"
  __dr_kill TERM "$2"; sleep 5; __dr_kill KILL "$2"
}
__dr_run() {
  # Nonces are never reused, so there is nothing stale to remove first (saves a fork).
  __dr_n=$1 __dr_intd=0 __dr_to=0 __dr_st=
  if [ -n "$4" ] && [ "$(wc -c < "$__dr_d/$1.sh")" -ne "$4" ]; then
    __dr_st=254; printf '\n%s\n' "__DR_BEGIN_$1" 'docrun: the block arrived damaged (size mismatch)'; return 0
  fi
  printf '\n%s\n' "__DR_BEGIN_$1"
  (__dr_job_main "$2") </dev/null 2>&1 &
  __dr_job=$!
  __dr_wd=
  if [ "$3" -gt 0 ]; then (__dr_watch "$3" "$__dr_job") >/dev/null 2>&1 & __dr_wd=$!; fi
  while :; do wait "$__dr_job"; __dr_st=$?; kill -0 "$__dr_job" 2>/dev/null || break; done
  if [ -n "$__dr_wd" ]; then __dr_kill TERM "$__dr_wd"; wait "$__dr_wd" 2>/dev/null; fi
  [ -f "$__dr_d/$1.st" ] && read -r __dr_st < "$__dr_d/$1.st"
  [ -f "$__dr_d/$1.timeout" ] && __dr_to=1
  [ "$__dr_intd" -gt 0 ] && [ "$__dr_to" = 0 ] && __dr_to=2
  __dr_job=
  return 0
}
__dr_end() { printf '\n%s\n' "__DR_END_$1:$__dr_st:$__dr_to"; }
__dr_sync() { printf '\n%s\n' "__DR_SYNC_$1"; }
__dr_probe() { printf '\n%s\n' "__DR_PROBE_$1:${'$'}{BASH_VERSION:-sh}:$(command -v base64 >/dev/null 2>&1 && echo b64):${'$'}{__dr_jc:-0}:$(id -u 2>/dev/null)"; }
`

/** Sent only to bash (after the probe): a full state dump. dash cannot even parse it. */
export const BASH_EXTRAS = String.raw`
__dr_job_main() {
  trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM
  trap '__dr_s=$?; __dr_dump; echo $__dr_s > "$__dr_d/$__dr_n.st"' EXIT
  # bash has pipefail, and a failing set does not end it: no subshell to test for it (a fork a block).
  if [ "$1" = 1 ]; then set -e -o pipefail; fi
  . "$__dr_d/$__dr_n.sh"
}
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
 * A block in another language (Runme's `interpreter`), as shell: the program reads the block
 * from a quoted here-document, so nothing in it is expanded by the shell. The delimiter is
 * random, so no line of the block can end it early.
 */
export function interpreterScript(interpreter: string, content: string, nonce: string): string {
  const end = `__DOCRUN_END_OF_BLOCK_${nonce}`
  return `${interpreter} <<'${end}'\n${content.endsWith('\n') ? content : `${content}\n`}${end}\n`
}
