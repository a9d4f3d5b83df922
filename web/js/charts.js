// Charts drawn from the live state as inline SVG: the manhattan (runs in each over, from
// `over_runs`) and the worm (cumulative runs by over, from `worm`, every innings on one axis).
// A viewBox makes them scale to any width; each has a <title> and <desc> for screen readers.

const NS = 'http://www.w3.org/2000/svg';
const W = 320;
const H = 160;
const PAD = { l: 28, r: 8, t: 10, b: 20 };

function svg(tag, attrs = {}, ...children) {
  const n = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, String(v));
  for (const c of children) n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return n;
}

/** A top for the y axis at or above the largest value whose quarters are round numbers. */
function niceMax(v) {
  const steps = [8, 12, 16, 20, 24, 40, 60, 80, 100, 120, 160, 200, 240, 320, 400, 480, 600, 800, 1000];
  return steps.find((s) => s >= v) || Math.ceil(v / 400) * 400;
}

function frame(title, desc, yMax, xCount) {
  const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', class: 'chart' });
  root.append(svg('title', {}, title), svg('desc', {}, desc));
  const plotH = H - PAD.t - PAD.b;
  for (let i = 0; i <= 4; i++) {
    const y = PAD.t + plotH - (plotH * i) / 4;
    root.append(svg('line', { x1: PAD.l, x2: W - PAD.r, y1: y, y2: y, class: 'grid' }));
    root.append(svg('text', { x: PAD.l - 4, y: y + 3, class: 'axis', 'text-anchor': 'end' }, Math.round((yMax * i) / 4)));
  }
  const step = xCount > 30 ? 10 : 5;
  const plotW = W - PAD.l - PAD.r;
  for (let o = step; o <= xCount; o += step) {
    root.append(svg('text', { x: PAD.l + (plotW * o) / xCount, y: H - 6, class: 'axis', 'text-anchor': 'middle' }, o));
  }
  return root;
}

/** Runs per over of one innings, a bar each. */
export function manhattan(inn, maxOvers) {
  const runs = inn.over_runs || [];
  const overs = Math.max(maxOvers || 0, runs.length, 1);
  const yMax = niceMax(Math.max(8, ...runs));
  const desc = runs.length ? `Runs in each over: ${runs.join(', ')}` : 'No overs bowled yet';
  const root = frame(`Runs per over, ${inn.team}`, desc, yMax, overs);
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  const bw = plotW / overs;
  runs.forEach((r, i) => {
    const h = (plotH * r) / yMax;
    root.append(svg('rect', {
      x: PAD.l + i * bw + bw * 0.12, y: PAD.t + plotH - h,
      width: Math.max(bw * 0.76, 1), height: Math.max(h, 0.5), class: 'bar',
    }, svg('title', {}, `Over ${i + 1}: ${r} runs`)));
  });
  return root;
}

/** Cumulative runs of every innings, one line each, on shared axes. */
export function worm(innings, maxOvers) {
  const all = innings.filter((i) => (i.worm || []).length);
  const overs = Math.max(maxOvers || 0, ...all.map((i) => i.worm.length), 1);
  const yMax = niceMax(Math.max(10, ...all.map((i) => i.worm[i.worm.length - 1])));
  const desc = all.map((i) => `${i.team}: ${i.worm[i.worm.length - 1]} after ${i.worm.length} overs`).join('; ') || 'No overs bowled yet';
  const root = frame('Worm: cumulative runs by over', desc, yMax, overs);
  const plotW = W - PAD.l - PAD.r;
  const plotH = H - PAD.t - PAD.b;
  const x = (o) => PAD.l + (plotW * o) / overs;
  const y = (r) => PAD.t + plotH - (plotH * r) / yMax;
  all.forEach((inn, k) => {
    const pts = [[x(0), y(0)], ...inn.worm.map((r, i) => [x(i + 1), y(r)])];
    root.append(svg('polyline', {
      points: pts.map((p) => p.map((n) => n.toFixed(1)).join(',')).join(' '),
      class: `worm worm-${k % 4}`,
    }));
  });
  return root;
}

/** The worm's key: which colour is which innings. */
export function wormKey(innings) {
  const ul = document.createElement('ul');
  ul.className = 'key';
  innings.filter((i) => (i.worm || []).length).forEach((inn, k) => {
    const li = document.createElement('li');
    const sw = document.createElement('span');
    sw.className = `swatch worm-${k % 4}`;
    sw.setAttribute('aria-hidden', 'true');
    li.append(sw, `${inn.team}${inn.super_over ? ' (super over)' : ''}`);
    ul.append(li);
  });
  return ul;
}
