/**
 * The timeline drawn as one SVG: a lane per selector (each call a bar from when it was made to when it was
 * answered), a lane of each call's modelled kernel cost, and a row per descriptor (when it was asked
 * about, and a mark where it came back ready: blue readable, green writable, red exceptional/error).
 * Two ways across: real time (long gaps drawn shorter) or one column per call. Every mark carries its details in
 * `data-tip`, which the page shows on hover.
 */
import type { Interest, Timeline, TimelineCall, TimelineIo } from './timeline-model.js';

const LABEL = 150;
const AXIS = 30;
const LANE = 22;
const COST = 44;
const ROW = 30;
const PLOT = 1000;

/** How calls are placed across. */
export interface Across {
  /** Width of the plot area, labels excluded. */
  width: number;
  /** Left and right edges of a call's bar. */
  place(c: TimelineCall): [number, number];
  /**
   * Where a recv/send/accept goes: its own tick at its time (`grouped` false), or, with those that followed
   * the same answer on the same descriptor, one label in that answer's column (`grouped` true).
   */
  placeIo(x: TimelineIo): number;
  grouped: boolean;
  /** The axis: ticks, labels and any cut gaps, as SVG, given the full height. */
  axis(height: number): string;
}

/**
 * Real time across, with long gaps drawn shorter: a gap up to a typical one (the median, within
 * 0.05-5 ms) keeps its length, a longer one grows with its logarithm, so that a one-second wait does not
 * squeeze a burst of calls into a pixel. The axis says what real time each tick is.
 * @example timelineSvg(tl, timeAcross(tl), 'time')
 */
export function timeAcross(tl: Timeline): Across {
  const times = [...new Set(tl.calls.flatMap((c) => [c.start, c.end]))].sort((a, b) => a - b);
  // No call at all (a trace of recv/send alone, or of nothing): a 1 ms axis from 0, not an empty one.
  if (times.length === 0) times.push(0);
  if (times.length < 2) times.push((times[0] as number) + 1);
  const gaps = times.slice(1).map((t, i) => t - (times[i] as number));
  const median = [...gaps].sort((a, b) => a - b)[gaps.length >> 1] as number;
  const tau = Math.min(5, Math.max(0.05, median));
  const shown = gaps.map((d) => (d <= tau ? d : tau * (1 + Math.log(d / tau))));
  const cum = [0];
  for (const s of shown) cum.push((cum[cum.length - 1] as number) + s);
  const scale = PLOT / (cum[cum.length - 1] as number);
  const x = (t: number): number => {
    // The gap that holds t: the last i with times[i] <= t (binary search), at most the last gap.
    let lo = 0;
    let hi = gaps.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((times[mid] as number) <= t) lo = mid;
      else hi = mid - 1;
    }
    const i = lo;
    const d = gaps[i] as number;
    const into = d === 0 ? 0 : ((t - (times[i] as number)) / d) * (shown[i] as number);
    return LABEL + ((cum[i] as number) + into) * scale;
  };
  return {
    width: PLOT,
    place: (c) => {
      const x0 = x(c.start);
      return [x0, Math.max(x(c.end), x0 + 3)];
    },
    placeIo: (io) => x(io.time),
    grouped: false,
    axis: (height) => {
      // Ticks at round times, coarse to fine, each kept only where it has room.
      const placed: number[] = [];
      let out = '';
      for (const step of roundSteps(tl.span)) {
        for (let t = 0; t <= tl.span; t += step) {
          const at = x(t);
          if (placed.some((p) => Math.abs(p - at) < 64)) continue;
          placed.push(at);
          out += tick(at, `${round(t)} ms`, height);
        }
      }
      return out;
    },
  };
}

/**
 * One column per call, in the order they were answered.
 * @example timelineSvg(tl, callsAcross(tl), 'calls')
 */
export function callsAcross(tl: Timeline): Across {
  const column = Math.min(72, Math.max(34, PLOT / Math.max(1, tl.calls.length)));
  const every = Math.max(1, Math.ceil(40 / column));
  return {
    width: tl.calls.length * column,
    place: (c) => [LABEL + (c.n - 1) * column + 4, LABEL + c.n * column - 4],
    placeIo: (io) => LABEL + (Math.max(io.after, 1) - 0.5) * column,
    grouped: true,
    axis: (height) =>
      tl.calls
        .filter((c) => (c.n - 1) % every === 0)
        .map((c) => tick(LABEL + (c.n - 0.5) * column, `#${c.n}`, height))
        .join(''),
  };
}

/**
 * The SVG of the whole timeline, placed by `across`; `view` names it (`data-view`).
 * @example const svg = timelineSvg(tl, callsAcross(tl), 'calls')
 */
export function timelineSvg(tl: Timeline, across: Across, view: string): string {
  const laneY = (i: number): number => AXIS + i * LANE;
  const costY = laneY(tl.lanes.length);
  const rowY = (i: number): number => costY + COST + i * ROW;
  const height = rowY(tl.rows.length) + 6;
  const width = LABEL + across.width + 20;
  const maxExamined = Math.max(1, ...tl.calls.map((c) => c.cost.examined));
  const rowIndex = new Map(tl.rows.map((r, i) => [r.key, i]));
  const parts: string[] = [across.axis(height)];

  tl.lanes.forEach((lane, i) => {
    parts.push(`<text class="label" x="8" y="${laneY(i) + 15}">${esc(lane)}</text>`);
  });
  parts.push(`<text class="label" x="8" y="${costY + 18}">kernel cost</text>`);
  parts.push(`<text class="sublabel" x="8" y="${costY + 32}">fds examined</text>`);
  tl.rows.forEach((r, i) => {
    const y = rowY(i);
    if (i % 2 === 0) parts.push(`<rect class="band" x="0" y="${y}" width="${width}" height="${ROW}"/>`);
    parts.push(`<text class="label" x="8" y="${y + 14}" data-row="${esc(r.key)}">${esc(r.label)}</text>`);
    parts.push(`<text class="sublabel" x="${LABEL - 8}" y="${y + 14}" text-anchor="end">ready ×${r.readyCount}</text>`);
    const moved = r.accepted > 0 ? `accepted ${r.accepted}` : r.received + r.sent > 0 ? `↓${bytes(r.received)} ↑${bytes(r.sent)}` : '';
    if (moved) {
      const tip = `${r.key}: recv returned ${r.received} B, send took ${r.sent} B, accept returned ${r.accepted} connections`;
      parts.push(`<text class="sublabel moved" x="8" y="${y + 27}" data-tip="${esc(tip)}">${esc(moved)}</text>`);
    }
  });

  for (const c of tl.calls) {
    const [x0, x1] = across.place(c);
    const waited = c.end - c.start;
    const ready = c.cost.ready;
    parts.push(
      `<rect class="call ${c.name}" data-call="${c.n}" x="${f(x0)}" y="${laneY(tl.lanes.indexOf(c.lane)) + 4}" width="${f(x1 - x0)}" height="${LANE - 8}" ` +
        `data-tip="${esc(`#${c.n} ${c.line}\nmade at ${ms(c.start)}, answered at ${ms(c.end)} (waited ${ms(waited)})\n${ready} ready`)}"/>`,
    );
    if (x1 - x0 >= 40) {
      parts.push(`<text class="wait" x="${f((x0 + x1) / 2)}" y="${laneY(tl.lanes.indexOf(c.lane)) + 15}">${esc(short(waited))}</text>`);
    }
    const h = Math.max(2, (c.cost.examined / maxExamined) * (COST - 10));
    parts.push(
      `<rect class="cost" x="${f(Math.max(x0, x1 - 6))}" y="${f(costY + COST - 4 - h)}" width="${f(Math.min(6, x1 - x0))}" height="${f(h)}" ` +
        `data-tip="${esc(`#${c.n} ${c.name}: the kernel would examine ${c.cost.examined} fds and copy ${c.cost.bytesCopied} B; net-select took ${us(c.cost.nanoseconds)}`)}"/>`,
    );
    for (const [key, asked] of c.asked) {
      const y = rowY(rowIndex.get(key) ?? 0);
      parts.push(
        `<g class="asked" data-tip="${esc(`${key}: asked ${asked.text} by #${c.n} ${c.name}, ${ms(c.start)} → ${ms(c.end)}`)}">` +
          stack(asked, x0, y + 7, x1 - x0, 3, 'a') +
          '</g>',
      );
    }
    for (const [key, got] of c.ready) {
      const y = rowY(rowIndex.get(key) ?? 0);
      parts.push(
        `<g class="ready" data-tip="${esc(`${key}: ready ${got.text} (${meaning(got)}) in #${c.n} ${c.name}, at ${ms(c.end)}`)}">` +
          stack(got, x1 - 7, y + 3, 7, 6, 'g') +
          '</g>',
      );
    }
  }
  parts.push(ioMarks(tl, across, (key) => rowY(rowIndex.get(key) ?? 0)));
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" class="timeline" data-view="${view}" width="${f(width)}" height="${f(height)}" ` +
    `viewBox="0 0 ${f(width)} ${f(height)}">${parts.join('')}</svg>`
  );
}

/** The recv/send/accept calls: a tick each, or one label per descriptor and answer. */
function ioMarks(tl: Timeline, across: Across, rowY: (key: string) => number): string {
  if (!across.grouped) {
    return tl.io
      .map((x) => `<rect class="io ${x.call}" x="${f(across.placeIo(x) - 1)}" y="${rowY(x.key) + 22}" width="2" height="7" data-tip="${esc(`${x.line}  at ${ms(x.time)}`)}"/>`)
      .join('');
  }
  const groups = new Map<string, TimelineIo[]>();
  for (const x of tl.io) {
    const k = `${x.key}\n${x.after}`;
    const g = groups.get(k);
    if (g === undefined) groups.set(k, [x]);
    else g.push(x);
  }
  let out = '';
  for (const g of groups.values()) {
    const first = g[0] as TimelineIo;
    const sum = (call: TimelineIo['call']): number => g.reduce((s, x) => s + (x.call === call && x.result > 0 ? x.result : 0), 0);
    const accepted = g.filter((x) => x.call === 'accept' && x.result >= 0).map((x) => x.result);
    const text = [
      accepted.length > 0 ? `→fd ${accepted.join(',')}` : '',
      sum('recv') > 0 ? `↓${bytes(sum('recv'))}` : '',
      sum('send') > 0 ? `↑${bytes(sum('send'))}` : '',
      g.some((x) => x.call === 'recv' && x.result === 0) ? 'EOF' : '', // recv() = 0 is end of file
      g.some((x) => x.result === -1) ? 'EAGAIN' : '', // -1 is would-block
    ].filter(Boolean).join(' ') || `${first.call} 0`;
    const lines = g.slice(0, 12).map((x) => x.line);
    if (g.length > 12) lines.push(`... ${g.length - 12} more`);
    const tip = `${first.key}, after #${first.after}:\n${lines.join('\n')}`;
    out += `<text class="io" x="${f(across.placeIo(first))}" y="${rowY(first.key) + 27}" data-tip="${esc(tip)}">${esc(text)}</text>`;
  }
  return out;
}

/** Stacked bars for the readable/writable/exceptional parts of `i` (classes `ar`, `aw`, `ax` or `gr`...). */
function stack(i: Interest, x: number, y: number, w: number, h: number, cls: string): string {
  let out = '';
  (['r', 'w', 'x'] as const).forEach((k, n) => {
    if (i[k]) out += `<rect class="${cls}${k}" x="${f(x)}" y="${f(y + n * h)}" width="${f(Math.max(w, 1))}" height="${h}"/>`;
  });
  return out;
}

function meaning(i: Interest): string {
  return [i.r && 'readable', i.w && 'writable', i.x && 'error/exceptional'].filter(Boolean).join(', ');
}

function tick(x: number, label: string, height: number): string {
  return `<line class="tick" x1="${f(x)}" y1="${AXIS - 4}" x2="${f(x)}" y2="${height}"/><text class="axis" x="${f(x)}" y="${AXIS - 10}">${esc(label)}</text>`;
}

/** Round steps (5, 2, 1 times a power of ten) from about `span` down to a thousandth of it. */
function roundSteps(span: number): number[] {
  const top = Math.ceil(Math.log10(Math.max(span, 1e-3)));
  const out: number[] = [];
  for (let k = top; k >= top - 3; k--) for (const m of [5, 2, 1]) out.push(m * 10 ** k);
  return out;
}

const bytes = (n: number): string => (n < 1000 ? `${n}` : n < 10_000 ? `${(n / 1000).toFixed(1)}k` : n < 1e6 ? `${Math.round(n / 1000)}k` : `${(n / 1e6).toFixed(1)}M`);
const f = (n: number): string => (Math.round(n * 10) / 10).toString();
const short = (t: number): string => (t >= 100 ? `${t.toFixed(0)}ms` : t >= 1 ? `${t.toFixed(1)}ms` : `${(t * 1000).toFixed(0)}us`);
const round = (t: number): string => (t >= 10 ? t.toFixed(0) : t.toFixed(1));
const ms = (t: number): string => `${t >= 100 ? t.toFixed(0) : t.toFixed(2)} ms`;
const us = (ns: number): string => `${Math.round(ns / 1000)} us`;

/**
 * Escapes text for an HTML/SVG attribute or element.
 * @example esc('a<b') // 'a&#60;b'
 */
export function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
