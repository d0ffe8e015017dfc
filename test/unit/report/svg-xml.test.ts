import { describe, expect, it } from 'vitest';
import { el, escapeXml, px, svgDocument, text, textWidth } from '../../../src/report/svg-xml.js';
import { parseXml } from './xml.js';

describe('svg-xml', () => {
  it('escapes markup characters and drops characters XML forbids', () => {
    expect(escapeXml(`<a href="x">Tom & Jerry's</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;Tom &amp; Jerry&#39;s&lt;/a&gt;',
    );
    expect(escapeXml('bell\u0007 tab\t')).toBe('bell tab\t');
  });

  it.each([
    [0, '0'],
    [-0.01, '0'],
    [1.25, '1.3'],
    [12, '12'],
    [-3.14159, '-3.1'],
  ])('formats the coordinate %d as %s', (v, s) => {
    expect(px(v)).toBe(s);
  });

  it('refuses a coordinate that is not finite', () => {
    expect(() => px(Number.NaN)).toThrow(/not finite/);
    expect(() => px(Infinity)).toThrow(/not finite/);
  });

  it('builds elements with escaped attributes and text', () => {
    expect(el('rect', { x: 1.04, y: -0.01, fill: 'a"b', skip: undefined })).toBe(
      '<rect x="1" y="0" fill="a&quot;b"/>',
    );
    expect(text(1, 2, '<b>&')).toBe('<text x="1" y="2">&lt;b&gt;&amp;</text>');
  });

  it('wraps a body in a well-formed document with an escaped title', () => {
    const svg = svgDocument({ width: 100, height: 50, title: 'R&D <2011>' }, [el('g', {}, [])]);
    const parsed = parseXml(svg);
    expect(parsed[0]!.name).toBe('svg');
    expect(parsed[0]!.attrs['aria-label']).toBe('R&D <2011>');
    expect(parsed.find((e) => e.name === 'title')!.text).toBe('R&D <2011>');
  });

  it('estimates wider text for capitals than for lower case', () => {
    expect(textWidth('WWWW')).toBeGreaterThan(textWidth('iiii'));
    expect(textWidth('')).toBe(0);
  });
});

describe('the XML check used by these tests', () => {
  it.each([
    ['<a><b></a></b>', /closes/],
    ['<a x="1" x="2"/>', /duplicate/],
    ['<a>Tom & Jerry</a>', /bare &/],
    ['<a x=1/>', /not XML/],
    ['<a/><b/>', /second root/],
    ['<a>', /unclosed/],
  ])('rejects %s', (xml, error) => {
    expect(() => parseXml(xml)).toThrow(error);
  });
});
