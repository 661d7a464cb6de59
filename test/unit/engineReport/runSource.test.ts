/** parseRunSource (src/core/engineReport/runSource.ts): a build's log file is a trtexec console log or TREx profile metadata. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseRunSource, parseTrtexecLog, trexMetadataFromJson } from '../../../src/core/engineReport/index';

const fx = (name: string): string => path.resolve(__dirname, '..', '..', 'fixtures', 'trtexec', name);

test('a console log is read as trtexec prints it, TREx profile metadata as TREx writes it, other JSON is nothing', () => {
  const log = fs.readFileSync(fx('short.console.log'), 'utf8');
  assert.deepEqual(parseRunSource(log, 'short.console.log'), parseTrtexecLog(log, 'short.console.log'));
  assert.equal(parseRunSource(log, 'short.console.log')?.perf?.throughputQps, 1005.92);
  const metadata = fs.readFileSync(fx('older.profile.metadata.json'), 'utf8');
  assert.deepEqual(parseRunSource(metadata, 'm.json'), trexMetadataFromJson(JSON.parse(metadata), 'm.json'));
  assert.equal(parseRunSource('{"Layers": []}', 'layer.json'), undefined);
  assert.throws(() => parseRunSource('{ not json', 'bad.json'));
});
