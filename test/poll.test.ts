// The one poll loop (lab/poll.ts): the value returned, the interval kept, the bound with
// what was waited for and last seen, a failure of a round, and Ctrl-C (an abort).
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { poll, PollTimeout, sleep } from '../lab/poll.js';

describe('poll', () => {
  it('returns the first value a round gives, at once when the first has one', async () => {
    let rounds = 0;
    const started = Date.now();
    assert.equal(
      await poll({
        what: 'x',
        timeoutMs: 1000,
        intervalMs: 500,
        check: async () => (++rounds === 1 ? 'ready' : undefined),
      }),
      'ready',
    );
    assert.equal(rounds, 1);
    assert.ok(Date.now() - started < 100);
    let later = 0;
    assert.deepEqual(
      await poll({
        what: 'x',
        timeoutMs: 1000,
        intervalMs: 10,
        check: async () => (++later === 3 ? { rounds: later } : undefined),
      }),
      { rounds: 3 },
    );
  });

  it('waits intervalMs between rounds', async () => {
    const times: number[] = [];
    await poll({
      what: 'x',
      timeoutMs: 2000,
      intervalMs: 100,
      check: async () => (times.push(Date.now()) === 4 ? true : undefined),
    });
    assert.equal(times.length, 4);
    for (let i = 1; i < times.length; i++)
      assert.ok(
        (times[i] ?? 0) - (times[i - 1] ?? 0) >= 95,
        `round ${i} came after ${(times[i] ?? 0) - (times[i - 1] ?? 0)} ms`,
      );
  });

  it('at the bound, throws a PollTimeout naming what it waited for and what the last round saw', async () => {
    let rounds = 0;
    const started = Date.now();
    const error = await poll({
      what: 'router1 wired',
      timeoutMs: 200,
      intervalMs: 50,
      check: async (_, note) => void note(`round ${++rounds}`),
    }).catch((e: unknown) => e);
    assert.ok(error instanceof PollTimeout);
    assert.equal(error.message, `no router1 wired within 0.2 s (last seen: round ${rounds})`);
    assert.equal(error.what, 'router1 wired');
    assert.equal(error.observation, `round ${rounds}`);
    const took = Date.now() - started;
    assert.ok(took >= 200 && took < 600, `took ${took} ms`);
    assert.ok(rounds >= 3 && rounds <= 6, `${rounds} rounds`);
    await assert.rejects(poll({ what: 'nothing noted', timeoutMs: 10, intervalMs: 5, check: async () => undefined }), {
      message: 'no nothing noted within 0.01 s',
    });
  });

  it("throws the caller's own error at the bound, made from the timeout", async () => {
    await assert.rejects(
      poll({
        what: 'ACTIVE',
        timeoutMs: 30,
        intervalMs: 10,
        check: async (_, note) => void note('connection PENDING_CREATE'),
        onTimeout: async (t) => new Error(`not ACTIVE (${t.observation})`),
      }),
      { message: 'not ACTIVE (connection PENDING_CREATE)' },
    );
  });

  it('runs one round even past an absolute deadline shared by several polls, then stops', async () => {
    let rounds = 0;
    await assert.rejects(
      poll({ what: 'x', deadline: Date.now() - 1, intervalMs: 10, check: async () => void rounds++ }),
      PollTimeout,
    );
    assert.equal(rounds, 1);
    assert.equal(
      await poll({ what: 'x', deadline: Date.now() - 1, intervalMs: 10, check: async () => 'late but there' }),
      'late but there',
    );
  });

  it('ends at once with the error a round throws', async () => {
    let rounds = 0;
    await assert.rejects(
      poll({
        what: 'x',
        timeoutMs: 5000,
        intervalMs: 10,
        check: async () => {
          if (++rounds === 2) throw new Error('the VPN went to ERROR');
          return undefined;
        },
      }),
      { message: 'the VPN went to ERROR' },
    );
    assert.equal(rounds, 2);
  });

  it('stops in its pause when the signal aborts, with the reason, and never starts when it was aborted', async () => {
    const controller = new AbortController();
    let rounds = 0;
    setTimeout(() => controller.abort(new Error('interrupted')), 100);
    const started = Date.now();
    await assert.rejects(
      poll({
        what: 'x',
        timeoutMs: 10_000,
        intervalMs: 5000,
        signal: controller.signal,
        check: async () => void rounds++,
      }),
      { message: 'interrupted' },
    );
    assert.ok(Date.now() - started < 1000);
    assert.equal(rounds, 1);
    await assert.rejects(
      poll({ what: 'x', timeoutMs: 1000, intervalMs: 10, signal: controller.signal, check: async () => void rounds++ }),
      { message: 'interrupted' },
    );
    assert.equal(rounds, 1);
  });

  it('hands each round the signal, so a round can stop its own requests', async () => {
    const controller = new AbortController();
    let given: AbortSignal | undefined;
    await poll({
      what: 'x',
      timeoutMs: 100,
      intervalMs: 10,
      signal: controller.signal,
      check: async (signal) => ((given = signal), true),
    });
    assert.equal(given, controller.signal);
  });

  it('refuses a poll without a bound', async () => {
    await assert.rejects(poll({ what: 'forever', intervalMs: 10, check: async () => undefined }), {
      message: 'poll for forever: no bound',
    });
  });

  it('leaves no abort listener behind: many pauses on one signal (a long wait for the lab lock) warn of no leak', async () => {
    const warnings: string[] = [];
    const onWarning = (warning: Error) => warnings.push(warning.name);
    process.on('warning', onWarning);
    try {
      const controller = new AbortController();
      for (let i = 0; i < 20; i++) await sleep(1, controller.signal);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('warning', onWarning);
    }
    assert.deepEqual(warnings, []);
  });

  it('sleeps, and ends its sleep early on an abort', async () => {
    const started = Date.now();
    await sleep(50);
    assert.ok(Date.now() - started >= 45);
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 20);
    await assert.rejects(sleep(5000, controller.signal), { message: 'stop' });
    assert.ok(Date.now() - started < 1000);
  });
});
