// The framed protocol's shell side for POSIX sh (busybox ash in a guest, dash in a chroot), typed
// after INIT_SCRIPT once the probe says the shell is not bash. It redefines __dr_run so a block
// costs one fork: in a guest under emulation (QEMU's TCG) every fork and exec is ~10–25 ms, and
// the generic path forked seven times (base64 and wc for the upload, a subshell to probe
// pipefail, the block's subshell, `set | grep` for the state dump, cat for the snapshot).
//
// - Upload: `__dr_u0`/`__dr_u` lines carry the block as printf escapes (builtin printf, no
//   base64 exec), and each line carries its own length, checked with `${#}` (no `wc`): a byte
//   lost or added on the console line marks the block damaged, as the size check did.
// - Pipefail support is probed once here, not in a subshell per block.
// - The block's subshell dumps its state with the `set` builtin (no pipe into grep): the
//   protocol's own variables and PPID, LINENO, `_` are unset first, OPTIND is put back to the
//   session's value, so what is sourced is what the grep filter let through.
// - __dr_run sources the dump and prints the end marker itself: one typed line per block.
// - Functions: `set` lists none, so the definitions a block writes travel beside it (NONCE.fn,
//   functions.ts) and __dr_run sources them after the dump (a `.`, no fork).
// - __dr_show prints a state dump framed like a block, with `read` and `printf` (no cat).
import { printfFormat } from './encode.js'

/** Variables the protocol itself sets in the shell (session.ts, block-action's cwd= save): never part of a block's state. */
const PROTOCOL_VARS = [
  '__dr_d __dr_job __dr_intd __dr_n __dr_st __dr_to __dr_jc __dr_wd __dr_w __dr_s __dr_c __dr_p __dr_r __dr_t __dr_pc',
  '__dr_pf __dr_bad __dr_oi __dr_imp __dr_l',
].join(' ')

export const SH_EXTRAS = String.raw`
__dr_pf=; if (set -o pipefail) 2>/dev/null; then __dr_pf=1; fi
__dr_u0() { __dr_bad=; : > "$__dr_d/$1.sh"; __dr_u "$@"; }
__dr_u() { [ "${'$'}{#2}" = "$3" ] || __dr_bad=1; printf "$2" >> "$__dr_d/$1.sh"; }
__dr_exit() {
  set +eu; set -- "$1" "$__dr_d/$__dr_n" "$__dr_imp"
  if [ "$3" = 1 ]; then
    OPTIND=$__dr_oi; unset -v ${PROTOCOL_VARS} PPID LINENO _
    { set; echo 'cd -- "$PWD"'; } > "$2.env" 2>/dev/null
  fi
  echo "$1" > "$2.st"
}
__dr_job_main() {
  trap 'exit 129' HUP; trap 'exit 130' INT; trap 'exit 143' TERM
  __dr_oi=$OPTIND __dr_imp=$2
  trap '__dr_exit $?' EXIT
  if [ "$1" = 1 ]; then set -e; [ -z "$__dr_pf" ] || set -o pipefail; fi
  . "$__dr_d/$__dr_n.sh"
}
__dr_damaged() { printf '\n%s\n%s\n\n%s\n' "__DR_BEGIN_$1" 'docrun: the block arrived damaged (size mismatch)' "__DR_END_$1:254:0"; }
__dr_run() {
  __dr_n=$1 __dr_intd=0 __dr_to=0 __dr_st=
  case $4 in
    -) ;;
    u) if [ -n "$__dr_bad" ]; then __dr_damaged "$1"; return 0; fi;;
    # A size; function definitions that came as printf lines (NONCE.fn.sh, first line __dr_u0) checked themselves.
    *) if [ "$(wc -c < "$__dr_d/$1.sh")" -ne "$4" ] || { [ -n "$__dr_bad" ] && [ -f "$__dr_d/$1.fn.sh" ]; }; then __dr_damaged "$1"; return 0; fi;;
  esac
  # The job loop is script.ts's (one for both protocols); a {tty} block adds $6 rows and $7 columns.
  __dr_job_run "$1" "$2" "$3" "$5" "$6" "$7"
  set -- "$1" "$__dr_st" "$__dr_to" "$5"
  # The block's state, then the functions it defined (functions.ts: sh's set does not list them).
  if [ "$4" = 1 ]; then
    [ -f "$__dr_d/$1.env" ] && . "$__dr_d/$1.env" >/dev/null 2>&1
    [ -f "$__dr_d/$1.fn.sh" ] && . "$__dr_d/$1.fn.sh" >/dev/null 2>&1
  fi
  printf '\n%s\n' "__DR_END_$1:$2:$3"
}
__dr_show() {
  __dr_l=
  if [ -f "$__dr_d/$2.env" ]; then
    # One write to the console: busybox's read -d '' takes the whole file; dash (no -d) goes line by line.
    if IFS= read -r -d '' __dr_l < "$__dr_d/$2.env" 2>/dev/null || [ -n "$__dr_l" ]; then :
    else while IFS= read -r __dr_s || [ -n "$__dr_s" ]; do __dr_l="$__dr_l$__dr_s
"; done < "$__dr_d/$2.env"; fi
  fi
  printf '\n%s\n%s\n%s\n' "__DR_BEGIN_$1" "$__dr_l" "__DR_END_$1:0:0"
}
`

/** Encoded bytes per `__dr_u` line: well under busybox line editing's 1024. */
const LINE_FORMAT = 400
/** Above this many encoded bytes a block travels as base64 (one exec of base64 and one of wc beat thousands of typed escapes). */
const MAX_FORMAT = 6000

/**
 * Lines that write `data` to `$__dr_d/NAME.sh` with the builtin printf, each checked for its
 * length on arrival; undefined when the data is too large (or too binary) for that to pay.
 * `append`: every line appends (`__dr_u`), to a file no line has started, and the check counts
 * toward the upload before it (a block's function definitions after the block: NONCE.fn).
 * `anySize`: no size is too large (what must travel checked even where base64 would be faster).
 */
export function printfUploadLines(name: string, data: Buffer, opts: { append?: boolean; anySize?: boolean } = {}): string[] | undefined {
  const lines: string[] = []
  let fmt = ''
  let total = 0
  const flush = () => {
    lines.push(`${lines.length || opts.append ? '__dr_u' : '__dr_u0'} ${name} '${fmt}' ${fmt.length}`)
    fmt = ''
  }
  for (const byte of data) {
    let piece = formatByte(byte, fmt === '')
    if (fmt.length + piece.length > LINE_FORMAT) {
      flush()
      piece = formatByte(byte, true)
    }
    fmt += piece
    total += piece.length
    if (total > MAX_FORMAT && !opts.anySize) return undefined
  }
  if (fmt || !lines.length) flush()
  return lines
}

/** One byte of a single-quoted printf format: printable ASCII stands for itself, but for the quote, `\`, `%` and a leading `-` (an option to printf). */
function formatByte(byte: number, first: boolean): string {
  const plain = byte >= 0x20 && byte < 0x7f && byte !== 0x27 && byte !== 0x5c && byte !== 0x25 && !(first && byte === 0x2d)
  return plain ? String.fromCharCode(byte) : printfFormat(Buffer.of(byte))
}
