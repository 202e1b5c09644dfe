// Metrics as small charts: requests and errors per second and request latency (p50, p99),
// from /metrics scraped every 5 seconds while the page is open (the last 5 minutes).
import {api} from '/ui/api.js';
import {el, show, alertBox} from '/ui/dom.js';

const SVG = 'http://www.w3.org/2000/svg';
let timer = null;

// Prometheus text → [{name, labels: {…}, value}].
function parse(text) {
  const out = [];
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{(.*)\})?\s+(\S+)/);
    if (!m) continue;
    const labels = {};
    for (const p of (m[3] || '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[p[1]] = p[2];
    out.push({name: m[1], labels, value: Number(m[4])});
  }
  return out;
}

function totals(samples) {
  let requests = 0, errors = 0;
  const buckets = new Map();
  for (const s of samples) {
    if (s.name === 'keep_requests_total') {
      requests += s.value;
      if (s.labels.outcome !== 'ok') errors += s.value;
    } else if (s.name === 'keep_request_duration_seconds_bucket') {
      buckets.set(s.labels.le, (buckets.get(s.labels.le) || 0) + s.value);
    }
  }
  return {requests, errors, buckets};
}

// The q-quantile (seconds) of the requests between two scrapes, from histogram buckets.
function quantile(prev, cur, q) {
  const les = [...cur.buckets.keys()].sort((a, b) => (a === '+Inf') - (b === '+Inf') || Number(a) - Number(b));
  const counts = les.map((le) => (cur.buckets.get(le) || 0) - ((prev && prev.buckets.get(le)) || 0));
  const total = counts[counts.length - 1];
  if (!total) return null;
  for (let i = 0; i < les.length; ++i) {
    if (counts[i] >= q * total) return les[i] === '+Inf' ? Number(les[i - 1] || 0) : Number(les[i]);
  }
  return null;
}

function chart(title, unit, series) {
  const w = 320, h = 90;
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', `0 0 ${w} ${h}`);
  svg.setAttribute('role', 'img');
  const values = series.flatMap((s) => s.points).filter((v) => v !== null);
  const max = Math.max(1e-9, ...values);
  const last = series.map((s) => `${s.name} ${fmt(s.points[s.points.length - 1], unit)}`).join(', ');
  svg.setAttribute('aria-label', `${title}: ${last || 'no data yet'}`);
  // The newest point at the right edge, one step per scrape; a dot marks it.
  series.forEach((s, i) => {
    const n = s.points.length;
    const xy = s.points.map((v, k) => v === null ? null
        : [w - 4 - (n - 1 - k) * ((w - 8) / 59), h - 4 - (v / max) * (h - 8)]);
    const line = document.createElementNS(SVG, 'polyline');
    line.setAttribute('points', xy.filter(Boolean).map((p) => p.join(',')).join(' '));
    line.setAttribute('class', 'series' + i);
    svg.append(line);
    const lastPoint = xy[n - 1];
    if (lastPoint) {
      const dot = document.createElementNS(SVG, 'circle');
      dot.setAttribute('cx', lastPoint[0]);
      dot.setAttribute('cy', lastPoint[1]);
      dot.setAttribute('r', 3);
      dot.setAttribute('class', 'dot' + i);
      svg.append(dot);
    }
  });
  return el('section', {class: 'chart'}, el('h2', {}, title), svg,
            el('p', {class: 'muted'}, last ? `now: ${last}; top of the chart ${fmt(max, unit)}` : 'collecting…'));
}

function fmt(v, unit) {
  if (v === null || v === undefined) return '—';
  if (unit === 's') return v < 1e-3 ? `${(v * 1e6).toFixed(0)} µs` : v < 1 ? `${(v * 1e3).toFixed(1)} ms` : `${v.toFixed(2)} s`;
  return `${v.toFixed(1)}/s`;
}

export async function metricsPage() {
  if (timer) clearInterval(timer);
  const history = [];  // {t, totals}
  const area = el('div', {id: 'charts', class: 'charts'});
  const render = () => {
    const pts = {req: [], err: [], p50: [], p99: []};
    for (let i = 1; i < history.length; ++i) {
      const a = history[i - 1], b = history[i];
      const dt = (b.t - a.t) / 1000;
      pts.req.push((b.totals.requests - a.totals.requests) / dt);
      pts.err.push((b.totals.errors - a.totals.errors) / dt);
      pts.p50.push(quantile(a.totals, b.totals, 0.5));
      pts.p99.push(quantile(a.totals, b.totals, 0.99));
    }
    area.replaceChildren(chart('Requests', '/s', [{name: 'requests', points: pts.req}]),
                         chart('Errors', '/s', [{name: 'errors', points: pts.err}]),
                         chart('Latency', 's', [{name: 'p50', points: pts.p50}, {name: 'p99', points: pts.p99}]));
  };
  const scrape = async () => {
    if (!document.getElementById('charts')) { clearInterval(timer); timer = null; return; }
    const resp = await fetchMetrics();
    history.push({t: Date.now(), totals: totals(parse(resp))});
    if (history.length > 61) history.shift();
    render();
  };
  show(el('h1', {}, 'Metrics'),
       el('p', {class: 'muted'}, 'From /metrics every 5 seconds while this page is open: requests and errors per ' +
                                 'second and request latency, over every operation. Prometheus keeps the history.'),
       area);
  await scrape();
  // A failed scrape says so above the charts; the next one clears it.
  const note = el('div', {'aria-live': 'polite'});
  area.before(note);
  const tick = () => scrape().then(() => note.replaceChildren(),
                                   (err) => note.replaceChildren(alertBox(err)));
  setTimeout(tick, 1000);  // a first rate soon, then every 5 s
  timer = setInterval(tick, 5000);
}

async function fetchMetrics() {
  return api('GET', '/metrics', undefined, 'text');
}
