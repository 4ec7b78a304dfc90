// The readiness waits of lab stack over the one poll loop, against a fake engine: what each
// says when the container exits, when the bound passes, and that Ctrl-C ends them.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { ContainerInfo, Engine } from '../lab/engine.js';
import { completed, NotReady, running, type WaitContext } from '../lab/stack/waits.js';

/** An engine whose one container goes through `states` (one per inspect, the last kept). */
function fakeEngine(states: Partial<ContainerInfo>[]): Engine {
  let inspected = 0;
  return {
    inspectContainer: async () =>
      ({ state: 'running', exitCode: 0, ...states[Math.min(inspected++, states.length - 1)] }) as ContainerInfo,
    logTail: async () => ['line one', 'line two'],
  } as unknown as Engine;
}

function context(engine: Engine, boundMs: number, signal = new AbortController().signal): WaitContext {
  return { engine, service: 'q-svc', containerId: 'c1', deadline: Date.now() + boundMs, signal };
}

describe('the readiness waits', () => {
  it('a one-shot container is ready when it exited 0, and not ready, with its log, when it exited otherwise', async () => {
    await completed(context(fakeEngine([{ state: 'running' }, { state: 'exited', exitCode: 0 }]), 2000));
    const error = await completed(context(fakeEngine([{ state: 'exited', exitCode: 3 }]), 2000)).catch(
      (e: unknown) => e,
    );
    assert.ok(error instanceof NotReady);
    assert.equal(
      error.message,
      'q-svc is not ready: it exited with code 3\n  last lines of its log:\n    line one\n    line two',
    );
  });

  it('says a one-shot container did not finish within the bound', async () => {
    await assert.rejects(completed(context(fakeEngine([{ state: 'running' }]), 100)), {
      message: /^q-svc is not ready: it did not finish within the bound\n/,
    });
  });

  it('says what it waited for when the container exits meanwhile, or the bound passes', async () => {
    await running(context(fakeEngine([{ state: 'created' }, { state: 'running' }]), 2000));
    await assert.rejects(running(context(fakeEngine([{ state: 'exited', exitCode: 1 }]), 2000)), {
      message: /^q-svc is not ready: its container exited with code 1 while waiting for running container\n/,
    });
    await assert.rejects(running(context(fakeEngine([{ state: 'created' }]), 100)), {
      message: /^q-svc is not ready: no running container within the bound\n/,
    });
  });

  it('ends at once on Ctrl-C, with its reason', async () => {
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('interrupted')), 50);
    const started = Date.now();
    await assert.rejects(running(context(fakeEngine([{ state: 'created' }]), 60_000, controller.signal)), {
      message: 'interrupted',
    });
    assert.ok(Date.now() - started < 1000);
  });
});
