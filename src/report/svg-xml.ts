/**
 * The XML layer of the report's SVG charts: escaping, number formatting and element building.
 * Every chart goes through here, so output is well-formed and byte-for-byte deterministic.
 */

const ESCAPES: Readonly<Record<string, string>> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

/** Text or attribute value made safe for XML; characters XML 1.0 forbids are dropped. */
export function escapeXml(s: string): string {
  let out = '';
  for (const ch of s) {
    const c = ch.charCodeAt(0);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) continue;
    out += ESCAPES[ch] ?? ch;
  }
  return out;
}

/**
 * A coordinate or length: at most one decimal, no `-0`. Tenths of a pixel are
 * below what a screen shows, and a fixed precision keeps files stable across platforms.
 */
export function px(v: number): string {
  if (!Number.isFinite(v)) throw new Error(`svg: coordinate ${v} is not finite`);
  const r = Math.round(v * 10) / 10;
  return (r === 0 ? 0 : r).toFixed(1).replace(/\.0$/, '');
}

/**
 * Rough advance width of `s` in a sans-serif font of `size` px, erring wide (DejaVu Sans, the
 * widest common default): enough to lay out labels and legends without measuring a font.
 */
export function textWidth(s: string, size = 12): number {
  let em = 0;
  for (const ch of s) {
    if (/[ijlt.,:;'|!()[\] ]/.test(ch)) em += 0.32;
    else if (/[mwMW@]/.test(ch)) em += 0.95;
    else if (/[A-Z]/.test(ch)) em += 0.72;
    else if (/[0-9]/.test(ch)) em += 0.64;
    else em += 0.6;
  }
  return em * size;
}

export type Attrs = Readonly<Record<string, string | number | undefined>>;

function attributes(attrs: Attrs): string {
  let out = '';
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined) continue;
    out += ` ${k}="${typeof v === 'number' ? px(v) : escapeXml(v)}"`;
  }
  return out;
}

/** An element; numbers in attributes become coordinates (see `px`), children are markup. */
export function el(name: string, attrs: Attrs = {}, children?: string | readonly string[]): string {
  if (children === undefined) return `<${name}${attributes(attrs)}/>`;
  const body = typeof children === 'string' ? children : children.join('');
  return `<${name}${attributes(attrs)}>${body}</${name}>`;
}

/** A text element; `content` is plain text and is escaped here. */
export function text(x: number, y: number, content: string, attrs: Attrs = {}): string {
  return el('text', { x, y, ...attrs }, escapeXml(content));
}

export interface DocumentSpec {
  width: number;
  height: number;
  /** Shown as the chart's heading and as its accessible name. */
  title: string;
}

/** A standalone SVG file: white background, title on top, the body below it. */
export function svgDocument(spec: DocumentSpec, body: readonly string[]): string {
  const { width, height, title } = spec;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${px(width)}" height="${px(height)}" ` +
      `viewBox="0 0 ${px(width)} ${px(height)}" font-family="sans-serif" font-size="12" ` +
      `role="img" aria-label="${escapeXml(title)}">`,
    el('title', {}, escapeXml(title)),
    el('rect', { width: '100%', height: '100%', fill: 'white' }),
    text(12, 22, title, { 'font-size': '15', 'font-weight': 'bold' }),
    ...body,
    '</svg>',
    '',
  ].join('\n');
}

/**
 * Series colours in order: the Okabe–Ito set (without its yellow, too pale on white), which stays
 * distinguishable with the common colour-vision deficiencies.
 */
export const PALETTE: readonly string[] = [
  '#0072b2',
  '#d55e00',
  '#009e73',
  '#e69f00',
  '#cc79a7',
  '#56b4e9',
  '#000000',
];

export function colour(i: number): string {
  return PALETTE[i % PALETTE.length]!;
}
