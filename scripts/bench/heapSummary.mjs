// Summarises a V8 heap snapshot (from `webviewPaint.mjs --heap-snapshot`): self size and count per
// constructor/type, and the biggest retained groups of plain objects by their first property names.
//
//   node scripts/bench/heapSummary.mjs <file.heapsnapshot> [top]
import * as fs from 'node:fs';

const file = process.argv[2];
const top = Number(process.argv[3] ?? 30);
// Snapshots of big pages exceed V8's string limit: read the number arrays straight from the bytes.
const buf = fs.readFileSync(file);
function section(name) {
  const at = buf.indexOf(`"${name}":`);
  if (at < 0) throw new Error(`no ${name} in ${file}`);
  return at + name.length + 3;
}
function numbers(name) {
  let i = buf.indexOf(0x5b, section(name)) + 1; // '['
  let out = new Float64Array(1 << 20);
  let len = 0;
  let v = 0;
  let inNum = false;
  for (; ; i++) {
    const c = buf[i];
    if (c >= 48 && c <= 57) {
      v = v * 10 + (c - 48);
      inNum = true;
    } else {
      if (inNum) {
        if (len === out.length) {
          const bigger = new Float64Array(out.length * 2);
          bigger.set(out);
          out = bigger;
        }
        out[len++] = v;
      }
      v = 0;
      inNum = false;
      if (c === 0x5d) break; // ']'
    }
  }
  return out.subarray(0, len);
}
function jsonAt(name, endName) {
  const from = section(name);
  const to = endName ? buf.lastIndexOf(0x2c, buf.indexOf(`"${endName}":`, from)) : buf.lastIndexOf(0x7d);
  return JSON.parse(buf.subarray(from, to).toString('utf8'));
}
const snap = { snapshot: jsonAt('snapshot', 'nodes'), nodes: numbers('nodes'), edges: numbers('edges'), strings: jsonAt('strings') };
const meta = snap.snapshot.meta;
const nf = meta.node_fields;
const ef = meta.edge_fields;
const nodeTypes = meta.node_types[0];
const edgeTypes = meta.edge_types[0];
const N = nf.length;
const E = ef.length;
const iType = nf.indexOf('type');
const iName = nf.indexOf('name');
const iSize = nf.indexOf('self_size');
const iEdges = nf.indexOf('edge_count');
const eType = ef.indexOf('type');
const eName = ef.indexOf('name_or_index');
const { nodes, edges, strings } = snap;
const byKey = new Map();
let total = 0;
let edgeCursor = 0;
for (let n = 0; n < nodes.length; n += N) {
  const type = nodeTypes[nodes[n + iType]];
  const size = nodes[n + iSize];
  const count = nodes[n + iEdges];
  let key = type === 'object' || type === 'native' || type === 'closure' ? `${type}:${strings[nodes[n + iName]]}` : type;
  if (type === 'object' && strings[nodes[n + iName]] === 'Object') {
    // Plain objects: group by their first few property names.
    const props = [];
    for (let k = 0; k < count && props.length < 4; k++) {
      const at = edgeCursor + k * E;
      if (edgeTypes[edges[at + eType]] === 'property') props.push(strings[edges[at + eName]]);
    }
    key = `Object{${props.join(',')}}`;
  }
  edgeCursor += count * E;
  total += size;
  const v = byKey.get(key) ?? { size: 0, count: 0 };
  v.size += size;
  v.count++;
  byKey.set(key, v);
}
console.log(`total self size ${(total / 1048576).toFixed(1)} MB, ${nodes.length / N} objects`);
for (const [k, v] of [...byKey].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
  console.log(`${(v.size / 1048576).toFixed(1).padStart(7)} MB ${String(v.count).padStart(9)}  ${k.slice(0, 120)}`);
}

// Where arrays, strings, numbers and property arrays hang: self size of such children grouped by
// the first retainer's kind and the edge name (`--retainers`).
if (process.argv.includes('--retainers')) {
  const iTo = ef.indexOf('to_node');
  const count = nodes.length / N;
  const keyOf = new Array(count);
  let cur = 0;
  for (let n = 0, k = 0; n < nodes.length; n += N, k++) {
    const type = nodeTypes[nodes[n + iType]];
    const c = nodes[n + iEdges];
    let key = type === 'object' || type === 'native' || type === 'closure' ? `${type}:${strings[nodes[n + iName]]}` : type;
    if (type === 'object' && strings[nodes[n + iName]] === 'Object') {
      const props = [];
      for (let j = 0; j < c && props.length < 4; j++) if (edgeTypes[edges[cur + j * E + eType]] === 'property') props.push(strings[edges[cur + j * E + eName]]);
      key = `Object{${props.join(',')}}`;
    }
    keyOf[k] = key;
    cur += c * E;
  }
  const seen = new Uint8Array(count);
  const agg = new Map();
  cur = 0;
  for (let n = 0, k = 0; n < nodes.length; n += N, k++) {
    const c = nodes[n + iEdges];
    for (let j = 0; j < c; j++) {
      const at = cur + j * E;
      const et = edgeTypes[edges[at + eType]];
      if (et === 'weak' || et === 'shortcut') continue;
      const to = edges[at + iTo] / N;
      if (seen[to]) continue;
      const tk = keyOf[to];
      if (!/^(array|string|number|object:Array|native:system \/ PropertyArray|concatenated string)$/.test(tk)) continue;
      seen[to] = 1;
      const name = et === 'element' ? '[i]' : et === 'property' || et === 'internal' || et === 'context' ? strings[edges[at + eName]] : et;
      const g = `${tk} <- ${keyOf[k].slice(0, 60)}.${name}`;
      const v = agg.get(g) ?? { size: 0, count: 0 };
      v.size += nodes[to * N + iSize];
      v.count++;
      agg.set(g, v);
    }
    cur += c * E;
  }
  console.log('\nretained-by (first retainer):');
  for (const [k, v] of [...agg].sort((a, b) => b[1].size - a[1].size).slice(0, top)) {
    console.log(`${(v.size / 1048576).toFixed(1).padStart(7)} MB ${String(v.count).padStart(9)}  ${k.slice(0, 140)}`);
  }
}
