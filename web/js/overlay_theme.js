// The overlay's theme from its query string: colours, position, size and how long a panel
// stays. Every value is checked against a closed form before it reaches a style (hex digits, a
// word from a list, a number in a range), so no query can inject CSS or break the layout; a
// value that fails its check is dropped for the default. Pure functions: no DOM.

export const DEFAULTS = Object.freeze({
  bg: '#101c2c',
  fg: '#ffffff',
  accent: '#f2b705',
  position: 'bottom',
  scale: 1,
  hold: 5,
});

const HEX = /^#?([0-9a-f]{3}|[0-9a-f]{4}|[0-9a-f]{6}|[0-9a-f]{8})$/i;
const NUMBER = /^\d{1,2}(\.\d{1,3})?$/;
const SIZES = { s: 0.8, m: 1, l: 1.3 };
const SCALE = [0.5, 2];
const HOLD_SECONDS = [1, 30];

/** `3a7`, `33aa77`, `#33aa77` (sent as `%2333aa77`), with or without alpha → `#33aa77`; else null. */
export function colour(value) {
  const m = HEX.exec(value ?? '');
  if (!m) return null;
  let hex = m[1].toLowerCase();
  if (hex.length <= 4) hex = [...hex].map((c) => c + c).join('');
  return `#${hex}`;
}

function numberIn(value, [lo, hi]) {
  if (!NUMBER.test(value ?? '')) return null;
  const n = Number(value);
  return n >= lo && n <= hi ? n : null;
}

/** `s`, `m`, `l` or a factor from 0.5 to 2. */
export function scale(value) {
  if (value && Object.hasOwn(SIZES, value)) return SIZES[value];
  return numberIn(value, SCALE);
}

/**
 * The theme a query string asks for, every bad or missing value replaced by its default.
 * @param {string} search `location.search`
 */
export function themeFrom(search) {
  const q = new URLSearchParams(search);
  const position = q.get('position');
  return {
    bg: colour(q.get('bg')) ?? DEFAULTS.bg,
    fg: colour(q.get('fg')) ?? DEFAULTS.fg,
    accent: colour(q.get('accent')) ?? DEFAULTS.accent,
    position: position === 'top' || position === 'bottom' ? position : DEFAULTS.position,
    scale: scale(q.get('size')) ?? DEFAULTS.scale,
    hold: numberIn(q.get('hold'), HOLD_SECONDS) ?? DEFAULTS.hold,
  };
}

/** Black or white, whichever reads better on `hex` (WCAG relative luminance). */
export function inkOn(hex) {
  const channel = (i) => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const lum = 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
  // Contrast against black is (L + .05) / .05, against white 1.05 / (L + .05); equal at .179.
  return lum > 0.179 ? '#000000' : '#ffffff';
}
