/**
 * The timeline page: one self-contained HTML file (inline CSS, SVG and a few lines of script; nothing
 * fetched), with a header that sums the trace up, a switch between real time and one column per call,
 * and the details of any mark on hover.
 */
import type { TraceRecord } from '../trace/record.js';
import { buildTimeline, type Timeline } from './timeline-model.js';
import { callsAcross, esc, timeAcross, timelineSvg } from './timeline-svg.js';

/** More calls than this are left out of the drawing (the page says so): a browser would choke. */
export const MAX_CALLS = 2000;

/**
 * The timeline of a trace (the records of `NET_SELECT_TRACE_FILE`) as one HTML page. `command` is shown
 * in the header.
 * @example writeFileSync('out.html', renderTimeline(records, 'node app.js'))
 */
export function renderTimeline(records: readonly TraceRecord[], command: string): string {
  const full = buildTimeline(records);
  const tl = { ...full, calls: full.calls.slice(0, MAX_CALLS) };
  const count = (name: string): number => tl.calls.filter((c) => c.name === name).length;
  const sum = (k: 'examined' | 'bytesCopied' | 'nanoseconds'): number => tl.calls.reduce((s, c) => s + c.cost[k], 0);
  const kinds = ['select', 'poll', 'epoll_wait'].filter((n) => count(n) > 0).map((n) => `${count(n)} ${n}`);
  const summary =
    tl.calls.length === 0
      ? 'No select, poll or epoll call was answered: did the program use net-select?'
      : `${tl.calls.length} calls (${kinds.join(', ')}) over ${tl.span.toFixed(1)} ms on ${tl.rows.length} descriptors. ` +
        `The kernel would have examined ${sum('examined')} descriptors and copied ${sum('bytesCopied')} bytes; ` +
        `net-select's own work took ${(sum('nanoseconds') / 1e6).toFixed(2)} ms.` +
        (tl.io.length > 0 ? ` ${tl.io.length} accept/recv/send calls moved ${moved(tl)} bytes.` : '') +
        (full.calls.length > MAX_CALLS ? ` Only the first ${MAX_CALLS} of ${full.calls.length} calls are drawn.` : '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>net-select trace: ${esc(command)}</title>
<style>${CSS}</style>
</head>
<body>
<header>
<h1>net-select trace</h1>
<p class="command"><code>${esc(command)}</code></p>
<p class="summary">${esc(summary)}</p>
<p class="controls">
<label><input type="radio" name="view" value="calls" checked> one column per call</label>
<label><input type="radio" name="view" value="time"> real time (long waits drawn shorter)</label>
</p>
<p class="legend">call bar: made → answered (its wait inside) · asked: <i class="ar"></i>read <i class="aw"></i>write
<i class="ax"></i>except/error · came back ready: <i class="gr"></i>readable <i class="gw"></i>writable <i class="gx"></i>error
· hover anything for details</p>
</header>
<main>
<div class="view" id="view-calls">${timelineSvg(tl, callsAcross(tl), 'calls')}</div>
<div class="view" id="view-time" hidden>${timelineSvg(tl, timeAcross(tl), 'time')}</div>
</main>
<div id="tip" role="tooltip" hidden></div>
<script>${SCRIPT}</script>
</body>
</html>
`;
}

function moved(tl: Timeline): number {
  return tl.io.reduce((s, x) => s + (x.call !== 'accept' && x.result > 0 ? x.result : 0), 0);
}

const CSS = `
body { font: 14px/1.4 system-ui, sans-serif; margin: 0; color: #1f2328; background: #fff; }
header { padding: 12px 16px 4px; border-bottom: 1px solid #d0d7de; }
h1 { font-size: 18px; margin: 0 0 4px; }
p { margin: 4px 0; }
code { font: 13px ui-monospace, monospace; background: #f6f8fa; padding: 1px 4px; }
.controls label { margin-right: 12px; }
.legend { color: #57606a; }
.legend i { display: inline-block; width: 10px; height: 10px; margin: 0 3px 0 8px; vertical-align: -1px; }
main { padding: 8px 16px; overflow-x: auto; }
svg text { font: 12px ui-monospace, monospace; fill: #1f2328; }
svg .sublabel { fill: #6e7781; font-size: 11px; }
svg .axis { fill: #57606a; font-size: 11px; text-anchor: middle; }
svg .tick { stroke: #eaeef2; }
svg .band { fill: #f6f8fa; }
svg .wait { fill: #fff; font-size: 10px; text-anchor: middle; pointer-events: none; }
svg .call { fill: #6e7781; rx: 2; }
svg .call.poll { fill: #8250df; }
svg .call.epoll_wait { fill: #bf3989; }
svg .cost { fill: #bc4c00; }
svg text.io { fill: #57606a; font-size: 9px; text-anchor: middle; }
svg rect.io { fill: #57606a; }
.ar, svg .ar { background: #9ecbff; fill: #9ecbff; }
.aw, svg .aw { background: #a6e9b7; fill: #a6e9b7; }
.ax, svg .ax { background: #ffc1bd; fill: #ffc1bd; }
.gr, svg .gr { background: #0969da; fill: #0969da; }
.gw, svg .gw { background: #1a7f37; fill: #1a7f37; }
.gx, svg .gx { background: #cf222e; fill: #cf222e; }
svg [data-tip]:hover { opacity: .7; cursor: default; }
#tip { position: fixed; pointer-events: none; background: #1f2328; color: #fff; padding: 6px 8px; border-radius: 4px;
  font: 12px/1.5 ui-monospace, monospace; white-space: pre; max-width: 90vw; overflow: hidden; z-index: 1; }
`;

// Plain JavaScript, no framework: the tooltip and the view switch.
const SCRIPT = `
const tip = document.getElementById('tip');
document.addEventListener('mouseover', (e) => {
  const el = e.target instanceof Element ? e.target.closest('[data-tip]') : null;
  if (!el) { tip.hidden = true; return; }
  tip.textContent = el.getAttribute('data-tip');
  tip.hidden = false;
});
document.addEventListener('mousemove', (e) => {
  if (tip.hidden) return;
  const x = Math.min(e.clientX + 14, window.innerWidth - tip.offsetWidth - 4);
  tip.style.left = Math.max(4, x) + 'px';
  tip.style.top = (e.clientY + 16) + 'px';
});
for (const input of document.querySelectorAll('input[name=view]')) {
  input.addEventListener('change', () => {
    for (const v of document.querySelectorAll('.view')) v.hidden = v.id !== 'view-' + input.value;
  });
}
`;
