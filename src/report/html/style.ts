// The page's inline stylesheet: status colours, CSS-only timeline bars, a narrow-screen layout
// and a print layout (everything open, no interactive bits).

export const STYLE = `
:root{--fg:#1b1f24;--muted:#59636e;--line:#d1d9e0;--bg:#fff;--soft:#f6f8fa;
--passed:#1a7f37;--failed:#cf222e;--timed-out:#bc4c00;--interrupted:#8250df;--skipped:#8c959f;--running:#0969da;--not-run:#d1d9e0}
*{box-sizing:border-box}
body{margin:0;font:15px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
main{max-width:1200px;margin:0 auto;padding:16px}
h1{font-size:1.5em;margin:0 0 4px}h2{font-size:1.2em;margin:24px 0 8px;border-bottom:1px solid var(--line)}h3{font-size:1.05em;margin:16px 0 6px}
code,pre{font:13px/1.4 ui-monospace,"DejaVu Sans Mono",monospace}
pre{margin:6px 0;padding:8px;overflow-x:auto;white-space:pre;background:var(--soft);border-radius:6px}
.muted,.meta{color:var(--muted)}.meta{font-size:.9em}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;color:#fff;font-weight:600;background:var(--skipped)}
.st-passed{--st:var(--passed)}.st-failed{--st:var(--failed)}.st-timed-out{--st:var(--timed-out)}.st-interrupted{--st:var(--interrupted)}
.st-skipped{--st:var(--skipped)}.st-running{--st:var(--running)}.st-not-run{--st:var(--not-run)}.st-error,.st-unfinished{--st:var(--failed)}
.badge[class*=st-]{background:var(--st)}
.problems{border:2px solid var(--failed);background:#ffebe9;padding:8px 12px;border-radius:6px;margin:8px 0}
.kv{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:4px 0}.kv dt{color:var(--muted)}.kv dd{margin:0;overflow-wrap:anywhere}
.cols{display:flex;flex-wrap:wrap;gap:0 32px}.cols>*{min-width:240px}
.notes li.warn{color:var(--timed-out)}
.interventions{list-style:none;padding-left:0;border-left:3px solid var(--running);padding:2px 8px}
.timeline .lane{display:flex;align-items:center;gap:8px;min-height:22px;border-bottom:1px dashed var(--line)}
.timeline .lane-label{flex:0 0 200px;font-size:.85em;overflow:hidden;text-overflow:ellipsis;white-space:nowrap}
.timeline .track{position:relative;flex:1;height:18px}
.timeline .bar,.timeline .life{position:absolute;top:2px;height:14px;min-width:3px;border-radius:3px;background:var(--st);display:block}
.timeline .bar:hover,.timeline .bar:focus{outline:2px solid var(--fg);z-index:1}
.timeline .life{background:#54aeff;opacity:.8}
.timeline .life .booting{display:block;height:100%;border-radius:3px 0 0 3px;
background:repeating-linear-gradient(45deg,#54aeff,#54aeff 4px,#b6e3ff 4px,#b6e3ff 8px)}
.timeline .bar.st-running{background:repeating-linear-gradient(45deg,var(--running),var(--running) 5px,#80ccff 5px,#80ccff 10px)}
.timeline .axis{position:relative;height:18px;margin-left:208px;font-size:.75em;color:var(--muted)}
.timeline .axis span{position:absolute;transform:translateX(-50%)}.timeline .axis span:first-child{transform:none}
.timeline .axis span:last-child{transform:translateX(-100%)}
.legend{font-size:.8em;color:var(--muted)}.legend i{display:inline-block;width:10px;height:10px;border-radius:2px;background:var(--st);margin:0 3px 0 10px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0)}
.block{border:1px solid var(--line);border-left:6px solid var(--st);border-radius:6px;margin:8px 0;padding:8px 12px}
.block:target{box-shadow:0 0 0 3px #54aeff}
.block-head{display:flex;flex-wrap:wrap;gap:4px 12px;align-items:baseline}.block-head code.id{font-weight:600;font-size:14px}
.faster{color:var(--passed)}.slower{color:var(--timed-out)}
.message{white-space:pre-wrap;color:var(--failed)}
.checks{list-style:none;padding:0;margin:6px 0}.checks li{margin:4px 0}.check-failed>.name{color:var(--failed);font-weight:600}
.diff .add{color:#116329;background:#dafbe1}.diff .del{color:#82071e;background:#ffebe9}.diff .hunk{color:var(--muted)}
.output pre,pre.console{background:#16191d;color:#e6edf3}.output summary,.block details summary{cursor:pointer;color:var(--muted)}
.elided{color:#9198a1;font-style:italic}
table{border-collapse:collapse;margin:6px 0;font-size:.9em}th,td{border:1px solid var(--line);padding:2px 8px;text-align:right}
th:first-child,td:first-child{text-align:left}
td.failed:not(.zero){color:var(--failed);font-weight:600}td.passed{color:var(--passed)}
.compare td.worse{color:var(--failed)}
#live{position:sticky;top:0;background:#ddf4ff;padding:4px 16px;font-size:.85em;z-index:2}#live.ended{background:var(--soft)}
@media (max-width:640px){main{padding:8px}.timeline .lane{flex-wrap:wrap;gap:0}.timeline .lane-label,.timeline .track{flex:1 0 100%}
.timeline .axis{margin-left:0}.kv{grid-template-columns:1fr}.kv dt{font-weight:600}table{display:block;overflow-x:auto}}
@media print{body{font-size:11pt}#live,.no-print{display:none}main{max-width:none;padding:0}
details>*{display:block}details::details-content{content-visibility:visible;display:block}
pre{white-space:pre-wrap;overflow:visible}.output pre,pre.console{background:#f6f8fa;color:#000}.block{break-inside:avoid}
.timeline .bar,.timeline .life,.badge,.block{-webkit-print-color-adjust:exact;print-color-adjust:exact}}
`
