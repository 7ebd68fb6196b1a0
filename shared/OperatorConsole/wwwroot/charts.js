// Charts drawn as SVG elements (no inline styles or data URLs, as the Content-Security-Policy wants).
const NS = 'http://www.w3.org/2000/svg';

export function svg(tag, attrs = {}, ...children) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

const time = t => new Date(t).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', second: '2-digit' });
function duration(ms) {
  const s = Math.round(ms / 1000);
  if (s < 120) return `${s}s`;
  if (s < 7200) return `${Math.round(s / 60)}m`;
  return `${(s / 3600).toFixed(1)}h`;
}

// A case's steps on one time axis: a bar from when each began to when it ended (or now), coloured by its status; a white
// tick per retried attempt; the status, attempts and duration beside it; a dashed line at now while the case is open.
export function timeline(c, now = Date.now()) {
  const steps = c.steps;
  const open = !c.closed && !['Completed', 'Rejected', 'Withdrawn', 'Expired'].includes(c.status);
  const start = Date.parse(c.createdAt);
  const ends = steps.flatMap(s => [s.startedAt, s.completedAt]).filter(Boolean).map(Date.parse);
  const end = Math.max(open ? now : start + 1000, ...ends, start + 1000);
  const label = 170, right = 190, row = 24, width = 1000, top = 22;
  const x = t => label + (t - start) / (end - start) * (width - label - right);
  const height = top + steps.length * row + 8;
  const g = svg('svg', { class: 'timeline', viewBox: `0 0 ${width} ${height}`, role: 'img', 'aria-label': 'Step timeline' });
  g.append(svg('line', { class: 'axis', x1: label, x2: width - right, y1: top - 6, y2: top - 6 }));
  for (let i = 0; i <= 4; i++) {
    const t = start + (end - start) * i / 4;
    g.append(svg('text', { x: x(t), y: 12, 'text-anchor': i === 0 ? 'start' : i === 4 ? 'end' : 'middle' }, time(t)));
  }
  steps.forEach((s, i) => {
    const y = top + i * row;
    g.append(svg('text', { x: 4, y: y + 14 }, s.subject ? `${s.name}.${s.subject}` : s.name));
    if (!s.startedAt) { g.append(svg('text', { x: label, y: y + 14, class: 'muted' }, 'not started')); return; }
    const a = Date.parse(s.startedAt), b = s.completedAt ? Date.parse(s.completedAt) : (open ? now : end);
    const w = Math.max(3, x(b) - x(a));
    const bar = svg('rect', { class: `bar bar-${s.status}`, x: x(a), y: y + 3, width: w, height: row - 8, rx: 2, 'data-step': s.name });
    bar.append(svg('title', {}, `${s.name}${s.province ? ' @' + s.province : ''}: ${s.status}, started ${time(a)}${s.completedAt ? ', ended ' + time(b) : ''}, ${s.attempts} attempt(s)${s.detail ? ' — ' + s.detail : ''}`));
    g.append(bar);
    for (let k = 1; k < (s.attempts ?? 0) && k < 12; k++) {
      const tx = x(a) + w * k / s.attempts;
      g.append(svg('line', { class: 'retry', x1: tx, x2: tx, y1: y + 3, y2: y + row - 5 }));
    }
    const retries = s.attempts > 1 ? `, ${s.attempts - 1} retr${s.attempts === 2 ? 'y' : 'ies'}` : '';
    g.append(svg('text', { x: Math.min(x(a) + w + 6, width - right + 6), y: y + 14 }, `${s.status} ${duration(b - a)}${retries}${s.awaitingRedrive ? ', held' : ''}`));
  });
  if (open) g.append(svg('line', { class: 'now', x1: x(now), x2: x(now), y1: top - 6, y2: height - 4 }));
  return g;
}

// p50 and p95 call latency per minute over the last hour, on one scale.
export function latency(minutes) {
  const w = 160, h = 36;
  const g = svg('svg', { class: 'spark', viewBox: `0 0 ${w} ${h}`, role: 'img', 'aria-label': 'Call latency p50 and p95, last hour' });
  const points = minutes.filter(m => m.calls > 0);
  if (points.length === 0) return null;
  const t0 = Date.now() - 3600_000, max = Math.max(1, ...points.map(m => m.p95Ms ?? 0));
  const line = key => points.map(m => `${((Date.parse(m.at) - t0) / 3600_000 * w).toFixed(1)},${(h - 2 - (m[key] ?? 0) / max * (h - 4)).toFixed(1)}`).join(' ');
  g.append(svg('polyline', { class: 'p95', points: line('p95Ms') }), svg('polyline', { class: 'p50', points: line('p50Ms') }));
  g.append(svg('title', {}, `p95 up to ${Math.round(max)} ms over the last hour`));
  return g;
}
