// Small DOM helpers shared by every page: build elements without innerHTML (names and
// commentary come from outside, so they are always set as text), and number formatting.

/** el('td', {class: 'num'}, 'text', child) → an element; null/false children are skipped. */
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'class') node.className = v;
    else if (k === 'text') node.textContent = v;
    else if (k.startsWith('on')) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  append(node, children);
  return node;
}

function append(node, children) {
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
}

/** Replace a node's children. */
export function fill(node, ...children) {
  node.replaceChildren();
  append(node, children);
  return node;
}

export const $ = (sel, root = document) => root.querySelector(sel);

/** Two decimals for rates, nothing for a missing one. */
export function rate(x) {
  return typeof x === 'number' && Number.isFinite(x) ? x.toFixed(2) : '–';
}

/** The match id in /matches/{id} or /score/{id}. */
export function matchIdFromPath() {
  const m = location.pathname.match(/\/(\d+)\/?$/);
  return m ? Number(m[1]) : null;
}

/** A status as words. */
export function statusText(s) {
  return {
    not_started: 'Not started',
    in_progress: 'Live',
    innings_break: 'Innings break',
    finished: 'Finished',
  }[s] || s || '';
}

/** A short label for a team: its initials when it has several words, else the first three letters. */
export function shortTeam(name) {
  const words = String(name || '').split(/\s+/).filter(Boolean);
  if (words.length > 1) return words.map((w) => w[0]).join('').toUpperCase().slice(0, 4);
  return String(name || '').slice(0, 3).toUpperCase();
}

/** A time of day as "HH:MM", by this device's clock. */
export function hhmm(when = new Date()) {
  const d = new Date(when);
  return `${String(d.getHours()).padStart(2, '0')}:${String(d.getMinutes()).padStart(2, '0')}`;
}
