/**
 * Overlay marks on the graph (webview/graph/marks.ts): findings vs other badges, clearing a mark
 * restyles the element in cytoscape, the legend lists what is drawn, and the halo colours can be
 * told apart from the colourings, the selection and each other in VS Code's default themes.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import cytoscape from 'cytoscape';
import { HEAT_RAMP, precisionLegend, type GraphOverlayDto } from '../../../src/protocol/overlay';
import { OUTLINE_COLOR, applyMark, computeMarks, markLegendRows, markPalette, markStale, type Marks, type TargetsOf } from '../../../webview/graph/marks';
import { mixRgb } from '../../../webview/graph/rgb';

/** Names → targets: `n<k>` is node k, `e<k>` edge k. */
const targets: TargetsOf = (name) => {
  const m = /^([ne])(\d+)$/.exec(name);
  if (!m) return undefined;
  return m[1] === 'n' ? { nodes: [Number(m[2])], edges: [] } : { nodes: [], edges: [Number(m[2])] };
};

const overlay = (label: string, nodes: GraphOverlayDto['nodes']): GraphOverlayDto => ({ label, legend: [], nodes });

describe('overlay marks', () => {
  it('a badge without severity (a sensitivity rank) is a badge, not an info finding', () => {
    const marks = computeMarks(
      {
        analysis: overlay('Predicted precision', { n1: { badge: 'ℹ 1', severity: 'info' }, n2: { key: 'INT8' } }),
        sensitivity: overlay('Sensitivity (mAP, lower is more sensitive)', { n2: { heat: 1, badge: '#1 ΔAP +0.0053' }, n3: { heat: 0.5 } }),
      },
      targets,
    );
    assert.deepEqual(marks.nodes.get(1), { sev: 'info' });
    assert.deepEqual(marks.nodes.get(2), { badge: true }, 'the ranked conv with no finding gets no halo');
    assert.equal(marks.nodes.has(3), false, 'no badge, no mark');
    assert.deepEqual(marks.severities, ['info']);
    assert.deepEqual(marks.badgeSources, ['Sensitivity (mAP, lower is more sensitive)']);
  });

  it('worst severity per element over all sources; a badge and a finding on one element keep both', () => {
    const marks = computeMarks(
      {
        analysis: overlay('A', { n1: { badge: '⚠', severity: 'warning' }, e4: { badge: 'ℹ', severity: 'info' } }),
        other: overlay('B', { n1: { badge: '✖', severity: 'error' }, e4: { badge: 'quantize' } }),
        third: overlay('C', { n1: { badge: 'ℹ', severity: 'info' }, gone: { badge: 'x' } }),
      },
      targets,
    );
    assert.deepEqual(marks.nodes.get(1), { sev: 'error' });
    assert.deepEqual(marks.edges.get(4), { sev: 'info', badge: true });
    assert.deepEqual(marks.severities, ['error', 'info'], 'the warning is outranked on its only element: not drawn, not listed');
    assert.deepEqual(marks.badgeSources, ['B'], "C's badge names nothing in this view");
  });

  it('the legend lists exactly the marks drawn, each with its own swatch shape', () => {
    const palette = markPalette('light');
    const none: Marks = { nodes: new Map(), edges: new Map(), severities: [], badgeSources: [] };
    assert.deepEqual(markLegendRows(none, palette, 'rgb(0, 0, 0)'), [], 'no overlay marks, no rows');
    const marks = computeMarks(
      { a: overlay('Predicted', { n1: { badge: '⚠', severity: 'warning' } }), s: overlay('Sensitivity (mAP, x)', { n2: { badge: '#1' } }) },
      targets,
    );
    const rows = markLegendRows(marks, palette, 'rgb(1, 2, 3)', { color: 'rgb(101, 45, 144)', count: 3 });
    assert.deepEqual(
      rows.map((r) => [r.label, r.swatch, r.color]),
      [
        ['Finding: warning', 'halo', palette.warning],
        ['Badge: Sensitivity', 'badge', 'rgb(1, 2, 3)'],
        ['Folded Q/DQ (edge badge, weight outline)', 'qdq', 'rgb(101, 45, 144)'],
      ],
    );
  });

  it('clearing a mark restyles the element: the halo goes (cytoscape removeData would leave it)', () => {
    const palette = markPalette('dark');
    const cy = cytoscape({
      headless: true,
      styleEnabled: true,
      elements: [{ data: { id: 'a' } }, { data: { id: 'b' } }, { data: { id: 'ab', source: 'a', target: 'b' } }],
      style: [
        { selector: 'node', style: { 'underlay-opacity': 0, 'border-width': 0 } },
        { selector: 'node[sev]', style: { 'underlay-color': 'data(sevColor)', 'underlay-opacity': 1 } },
        { selector: 'node[?badge]', style: { 'border-width': 3 } },
        { selector: 'edge[sev]', style: { 'underlay-color': 'data(sevColor)', 'underlay-opacity': 1 } },
      ] as cytoscape.StylesheetJson,
    });
    try {
      const a = cy.$('#a');
      const ab = cy.$('#ab');
      applyMark(a, { sev: 'warning', badge: true }, palette);
      applyMark(ab, { sev: 'error' }, palette);
      assert.equal(a.numericStyle('underlay-opacity'), 1);
      assert.equal(a.numericStyle('border-width'), 3);
      assert.equal(markStale(a, { sev: 'warning', badge: true }, palette), false);
      assert.equal(markStale(a, { sev: 'warning' }, palette), true);
      // The finding is fixed (and the badge gone), inside a batch as the panel does it.
      cy.batch(() => {
        applyMark(a, undefined, palette);
        applyMark(ab, undefined, palette);
      });
      assert.equal(a.numericStyle('underlay-opacity'), 0, 'stale halo on the node');
      assert.equal(a.numericStyle('border-width'), 0, 'stale badge on the node');
      assert.equal(ab.numericStyle('underlay-opacity'), 0, 'stale halo on the edge');
      assert.equal(a.is('[sev]'), false);
      assert.equal(markStale(a, undefined, palette), false);
      // A severity change keeps the halo and takes the new colour.
      applyMark(a, { sev: 'error' }, palette);
      applyMark(a, { sev: 'info' }, palette);
      assert.equal(a.data('sevColor'), palette.info);
      assert.equal(a.style('underlay-color'), palette.info.replace(/ /g, ''));
    } finally {
      cy.destroy();
    }
  });
});

// ---- colours ----------------------------------------------------------------------------------

function lab(hex: string): [number, number, number] {
  const m = /^#?([0-9a-f]{2})([0-9a-f]{2})([0-9a-f]{2})$/i.exec(hex) ?? /rgb\((\d+), (\d+), (\d+)\)/.exec(hex);
  assert.ok(m, hex);
  const rgb = [m[1], m[2], m[3]].map((c) => (hex.startsWith('rgb') ? Number(c) : parseInt(c!, 16)) / 255);
  const [r, g, b] = rgb.map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4)) as [number, number, number];
  const f = (t: number): number => (t > 0.008856 ? Math.cbrt(t) : 7.787 * t + 16 / 116);
  const x = f((r * 0.4124 + g * 0.3576 + b * 0.1805) / 0.95047);
  const y = f(r * 0.2126 + g * 0.7152 + b * 0.0722);
  const z = f((r * 0.0193 + g * 0.1192 + b * 0.9505) / 1.08883);
  return [116 * y - 16, 500 * (x - y), 200 * (y - z)];
}

/** CIEDE2000 colour difference (Sharma, Wu, Dalal 2005). */
function deltaE(c1: string, c2: string): number {
  const [L1, a1, b1] = lab(c1);
  const [L2, a2, b2] = lab(c2);
  const rad = Math.PI / 180;
  const Cb = (Math.hypot(a1, b1) + Math.hypot(a2, b2)) / 2;
  const G = 0.5 * (1 - Math.sqrt(Cb ** 7 / (Cb ** 7 + 25 ** 7)));
  const a1p = (1 + G) * a1;
  const a2p = (1 + G) * a2;
  const C1 = Math.hypot(a1p, b1);
  const C2 = Math.hypot(a2p, b2);
  const hue = (x: number, y: number): number => (x === 0 && y === 0 ? 0 : (Math.atan2(y, x) / rad + 360) % 360);
  const h1 = hue(a1p, b1);
  const h2 = hue(a2p, b2);
  let dh = C1 * C2 === 0 ? 0 : h2 - h1;
  if (dh > 180) dh -= 360;
  else if (dh < -180) dh += 360;
  const dH = 2 * Math.sqrt(C1 * C2) * Math.sin((dh * rad) / 2);
  const Lb = (L1 + L2) / 2;
  const Cbp = (C1 + C2) / 2;
  let hb = h1 + h2;
  if (C1 * C2 !== 0) hb = Math.abs(h1 - h2) > 180 ? (hb + (hb < 360 ? 360 : -360)) / 2 : hb / 2;
  const T = 1 - 0.17 * Math.cos((hb - 30) * rad) + 0.24 * Math.cos(2 * hb * rad) + 0.32 * Math.cos((3 * hb + 6) * rad) - 0.2 * Math.cos((4 * hb - 63) * rad);
  const dT = 30 * Math.exp(-(((hb - 275) / 25) ** 2));
  const Rc = 2 * Math.sqrt(Cbp ** 7 / (Cbp ** 7 + 25 ** 7));
  const Sl = 1 + (0.015 * (Lb - 50) ** 2) / Math.sqrt(20 + (Lb - 50) ** 2);
  const Sc = 1 + 0.045 * Cbp;
  const Sh = 1 + 0.015 * Cbp * T;
  const Rt = -Math.sin(2 * dT * rad) * Rc;
  const x = (L2 - L1) / Sl;
  const y = (C2 - C1) / Sc;
  const zz = dH / Sh;
  return Math.sqrt(x * x + y * y + zz * zz + Rt * y * zz);
}

/**
 * VS Code's default colours the canvas fills and outlines with (vs/platform/theme/common/colors:
 * charts.* — red/yellow/blue being the editor error/warning/info foregrounds —, descriptionForeground,
 * focusBorder; Modern and classic themes where they differ), and the midpoint of the sensitivity heat
 * ramp (HEAT_RAMP: charts.yellow → charts.red; it was charts.blue → charts.red).
 */
const THEMES = {
  dark: {
    'charts.green (INT8, Elementwise)': '#89D185',
    'charts.blue (FP8, Conv)': '#3794FF',
    'charts.purple (INT4, Q/DQ)': '#B180D7',
    'charts.orange (FP16, Activation)': '#D18616',
    'charts.red (FP32, most sensitive)': '#F14C4C',
    'charts.yellow (least sensitive)': '#CCA700',
    'descriptionForeground (not listed)': '#9D9D9D',
    'descriptionForeground, Dark+ (#ccccccb3 on its background)': '#999999',
    'focusBorder (selection, search hits)': '#0078D4',
    'focusBorder, Dark+': '#007FD4',
    'heat ramp midpoint': '#DF7A26',
  },
  light: {
    'charts.green (INT8, Elementwise)': '#388A34',
    'charts.blue (FP8, Conv)': '#1A85FF',
    'charts.purple (INT4, Q/DQ)': '#652D90',
    'charts.orange (FP16, Activation)': '#D18616',
    'charts.red (FP32, most sensitive)': '#E51400',
    'charts.yellow (least sensitive)': '#BF8803',
    'descriptionForeground (not listed)': '#717171',
    'descriptionForeground, Light Modern': '#3B3B3B',
    'focusBorder (selection, search hits)': '#005FB8',
    'focusBorder, Light+': '#0090F1',
    'heat ramp midpoint': '#D24E02',
  },
} as const;

/** Editor backgrounds (Modern and classic): a halo must stand out from them. */
const BACKGROUNDS = { dark: ['#1F1F1F', '#1E1E1E'], light: ['#FFFFFF'] } as const;

describe('finding halo colours', () => {
  it("the audit's pairs really were too close (the check would have caught them)", () => {
    assert.ok(deltaE('#BF8803', '#BF8803') < 1, 'reformat vs warning: identical');
    assert.ok(deltaE('#D18616', '#BF8803') < 12, 'FP16 vs warning: nearly the same');
  });

  for (const kind of ['dark', 'light'] as const) {
    it(`${kind}: every halo is far (CIEDE2000 ≥ 14) from every fill, the selection colour and the other halos, and stands out from the background`, () => {
      const palette = markPalette(kind);
      for (const [sev, color] of Object.entries(palette)) {
        for (const [name, other] of Object.entries(THEMES[kind])) {
          const d = deltaE(color, other);
          assert.ok(d >= 14, `${kind} ${sev} halo ${color} vs ${name} ${other}: ΔE ${d.toFixed(1)}`);
        }
        for (const bg of BACKGROUNDS[kind]) {
          const d = deltaE(color, bg);
          assert.ok(d >= 12, `${kind} ${sev} halo ${color} on the background ${bg}: ΔE ${d.toFixed(1)}`);
        }
        for (const [sev2, color2] of Object.entries(palette)) {
          if (sev2 === sev) continue;
          const d = deltaE(color, color2);
          assert.ok(d >= 20, `${kind} ${sev} vs ${sev2}: ΔE ${d.toFixed(1)}`);
        }
      }
    });
  }

  it('the precision colours are far apart from each other in both default themes (FP16 vs reformat was ΔE 6 in Light)', () => {
    const resolve = (kind: 'dark' | 'light', color: string): string => {
      if (color.startsWith('#')) return color;
      const entry = Object.entries(THEMES[kind]).find(([name]) => name.startsWith(`${color} `));
      assert.ok(entry, `${color} is in the table`);
      return entry[1];
    };
    for (const kind of ['dark', 'light'] as const) {
      const legend = precisionLegend().map((l) => [l.label, resolve(kind, l.color)] as const);
      for (const [a, ca] of legend) {
        for (const [b, cb] of legend) {
          if (a >= b) continue;
          const d = deltaE(ca, cb);
          assert.ok(d >= 14, `${kind}: ${a} ${ca} vs ${b} ${cb}: ΔE ${d.toFixed(1)}`);
        }
        for (const [sev, halo] of Object.entries(markPalette(kind))) {
          const d = deltaE(ca, halo); // lab() reads rgb(...) too
          assert.ok(d >= 14, `${kind}: ${a} ${ca} vs ${sev} halo ${halo}: ΔE ${d.toFixed(1)}`);
        }
      }
    }
  });

  it('the heat ramp keeps clear (ΔE ≥ 14) of the selection and search outlines and of the halos, all along, in both default themes', () => {
    // Its low end was charts.blue: ΔE 10.6 / 8.8 from focusBorder in Dark Modern / Dark+, 15.9 / 5.3 in Light Modern / Light+.
    for (const kind of ['dark', 'light'] as const) {
      const table = Object.entries(THEMES[kind]);
      const resolve = (id: string): string => {
        const entry = table.find(([name]) => name.startsWith(`${id} `));
        assert.ok(entry, `${id} is in the table`);
        return entry[1];
      };
      const outlines = table.filter(([name]) => name.startsWith(`${OUTLINE_COLOR} `) || name.startsWith(`${OUTLINE_COLOR},`));
      assert.equal(outlines.length, 2, 'Modern and classic focusBorder');
      const rgb = (hex: string): string => `rgb(${[1, 3, 5].map((k) => parseInt(hex.slice(k, k + 2), 16)).join(', ')})`;
      const low = rgb(resolve(HEAT_RAMP.low));
      const high = rgb(resolve(HEAT_RAMP.high));
      for (let k = 0; k <= 10; k++) {
        const c = mixRgb(low, high, k / 10); // as the panel colours a node of heat k/10
        for (const [name, outline] of outlines) {
          const d = deltaE(c, outline);
          assert.ok(d >= 14, `${kind}: heat ${k / 10} ${c} vs ${name} ${outline}: ΔE ${d.toFixed(1)}`);
        }
        for (const [sev, halo] of Object.entries(markPalette(kind))) {
          const d = deltaE(c, halo);
          assert.ok(d >= 14, `${kind}: heat ${k / 10} ${c} vs ${sev} halo ${halo}: ΔE ${d.toFixed(1)}`);
        }
      }
      assert.ok(deltaE(low, high) >= 30, `${kind}: the two ends are far apart`);
    }
  });

  it('high contrast themes take the palette of their lightness', () => {
    assert.deepEqual(markPalette('high-contrast'), markPalette('dark'));
    assert.deepEqual(markPalette('high-contrast-light'), markPalette('light'));
  });
});
