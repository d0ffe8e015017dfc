/**
 * A strict check that a document is well-formed XML (balanced tags, quoted attributes without
 * duplicates, only defined entity references, one root), and a reader of its elements'
 * attributes for asserting on chart geometry. Small on purpose: the charts use a plain subset.
 */

export interface XmlElement {
  name: string;
  attrs: Record<string, string>;
  /** Text directly inside the element, entities decoded. */
  text: string;
}

const TOKEN =
  /<!--[\s\S]*?-->|<(\/?)([A-Za-z_][\w:.-]*)((?:\s+[A-Za-z_:][\w:.-]*\s*=\s*"[^"]*")*)\s*(\/?)>|[^<]+/y;
const ATTR = /([A-Za-z_:][\w:.-]*)\s*=\s*"([^"]*)"/g;
const ENTITY = /&(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);/g;

function decode(s: string, where: string): string {
  if (s.replace(ENTITY, '').includes('&')) throw new Error(`${where}: bare & in ${s.slice(0, 60)}`);
  if (s.includes('<')) throw new Error(`${where}: < in ${s.slice(0, 60)}`);
  return s
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-fA-F]+);/g, (_, h: string) => String.fromCodePoint(parseInt(h, 16)))
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** Parses `xml`; throws naming the first fault. Returns every element in document order. */
export function parseXml(xml: string): XmlElement[] {
  const out: XmlElement[] = [];
  const open: XmlElement[] = [];
  let roots = 0;
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < xml.length) {
    const at = TOKEN.lastIndex;
    const m = TOKEN.exec(xml);
    if (m === null) throw new Error(`not XML at offset ${at}: ${xml.slice(at, at + 60)}`);
    const [whole, closing, name, attrText, selfClosing] = m;
    if (whole.startsWith('<!--')) continue;
    if (name === undefined) {
      const text = decode(whole, `text at ${at}`);
      const parent = open[open.length - 1];
      if (parent === undefined) {
        if (whole.trim() !== '') throw new Error(`text outside the root at ${at}`);
      } else parent.text += text;
      continue;
    }
    if (closing === '/') {
      const top = open.pop();
      if (top?.name !== name) throw new Error(`</${name}> at ${at} closes <${top?.name}>`);
      continue;
    }
    const attrs: Record<string, string> = {};
    for (const a of (attrText ?? '').matchAll(ATTR)) {
      if (a[1]! in attrs) throw new Error(`duplicate attribute ${a[1]} on <${name}> at ${at}`);
      attrs[a[1]!] = decode(a[2]!, `attribute ${a[1]} of <${name}>`);
    }
    const element = { name, attrs, text: '' };
    out.push(element);
    if (open.length === 0 && ++roots > 1) throw new Error(`second root <${name}> at ${at}`);
    if (selfClosing !== '/') open.push(element);
  }
  if (open.length > 0) throw new Error(`unclosed <${open[open.length - 1]!.name}>`);
  if (roots !== 1) throw new Error('no root element');
  return out;
}

/** Elements named `name`. */
export function elements(xml: string, name: string): XmlElement[] {
  return parseXml(xml).filter((e) => e.name === name);
}

/** The numbers of a path's `d` attribute as [x, y] pairs. */
export function pathPoints(d: string): [number, number][] {
  const n = d.match(/-?\d+(?:\.\d+)?/g)?.map(Number) ?? [];
  const out: [number, number][] = [];
  for (let i = 0; i + 1 < n.length; i += 2) out.push([n[i]!, n[i + 1]!]);
  return out;
}
