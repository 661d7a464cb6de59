import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Gate } from '../../../src/util/gate';

const after = (ms: number): Promise<'timeout'> => new Promise((r) => setTimeout(() => r('timeout'), ms));

describe('Gate (deferred work waits for the first graph, never long)', () => {
  it('opens on open(), once', async () => {
    const gate = new Gate(10_000);
    assert.equal(gate.isOpen, false);
    gate.open();
    gate.open();
    assert.equal(gate.isOpen, true);
    assert.equal(await Promise.race([gate.opened.then(() => 'open' as const), after(200)]), 'open');
  });

  it('opens by itself when the timer runs out', async () => {
    const gate = new Gate(30);
    assert.equal(await Promise.race([gate.opened.then(() => 'open' as const), after(2_000)]), 'open');
    assert.equal(gate.isOpen, true);
  });

  it('a zero wait is open at once', () => {
    assert.equal(new Gate(0).isOpen, true);
  });

  it('without a wait it stays closed until extend() arms a timer (or open())', async () => {
    const gate = new Gate();
    assert.equal(await Promise.race([gate.opened.then(() => 'open' as const), after(100)]), 'timeout');
    gate.extend(20);
    assert.equal(await Promise.race([gate.opened.then(() => 'open' as const), after(2_000)]), 'open');
  });

  it('extend() restarts the timer while closed and does nothing once open', async () => {
    const gate = new Gate(40);
    gate.extend(10_000);
    assert.equal(await Promise.race([gate.opened.then(() => 'open' as const), after(150)]), 'timeout', 'the shorter first timer no longer opens it');
    gate.open();
    gate.extend(10_000);
    assert.equal(gate.isOpen, true);
  });
});
