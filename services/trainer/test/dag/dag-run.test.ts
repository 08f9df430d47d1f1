import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import pino from 'pino';
import { DagDefinitionError, defineDag, describePlan, task } from '../../src/dag/define.ts';
import { NonRetryableError, runDag, type TaskRecorder } from '../../src/dag/run.ts';

const log = pino({ level: 'silent' });
const noSleep = async () => {};

function memoryRecorder() {
  const events: string[] = [];
  const recorder: TaskRecorder = {
    taskStarted: async (_run, t, attempt) => {
      events.push(`${t}#${attempt} started`);
    },
    taskFinished: async (_run, t, attempt, status, _end, error) => {
      events.push(`${t}#${attempt} ${status}${error ? `: ${error}` : ''}`);
    },
  };
  return { events, recorder };
}

describe('runDag', () => {
  it('runs tasks after their dependencies, independent branches side by side, and passes results on', async () => {
    const order: string[] = [];
    let concurrent = 0;
    let maxConcurrent = 0;
    const step = (name: string, value: number) => async () => {
      order.push(`${name}:start`);
      concurrent++;
      maxConcurrent = Math.max(maxConcurrent, concurrent);
      await new Promise((r) => setTimeout(r, 20));
      concurrent--;
      order.push(`${name}:end`);
      return value;
    };
    const a = task<null, number>({ name: 'a', description: 'first', timeoutMs: 1000, run: step('a', 1) });
    const b = task<null, number>({
      name: 'b',
      description: 'left',
      dependsOn: [a],
      timeoutMs: 1000,
      run: step('b', 2),
    });
    const c = task<null, number>({
      name: 'c',
      description: 'right',
      dependsOn: [a],
      timeoutMs: 1000,
      run: step('c', 3),
    });
    const d = task<null, number>({
      name: 'd',
      description: 'join',
      dependsOn: [b, c],
      timeoutMs: 1000,
      run: async (ctx) => ctx.result(b) + ctx.result(c) + ctx.result(a),
    });
    const dag = defineDag({ name: 'diamond', description: 'test', tasks: [a, b, c, d] });
    const result = await runDag({ dag, env: null, runId: 'r1', log });
    assert.equal(result.ok, true);
    assert.equal(result.results.get('d'), 6);
    assert.equal(maxConcurrent, 2, 'b and c should overlap');
    assert.ok(order.indexOf('a:end') < order.indexOf('b:start'));
    assert.ok(order.indexOf('c:end') < order.length);
    assert.match(describePlan(dag), /step 2 \(in parallel\):\n {4}- b: after a;[\s\S]*- c: after a;/);
  });

  it('retries a failing task and records every attempt', async () => {
    let calls = 0;
    const flaky = task<null, string>({
      name: 'flaky',
      description: 'fails twice',
      retries: 3,
      timeoutMs: 1000,
      run: async () => {
        calls++;
        if (calls < 3) throw new Error(`boom ${calls}`);
        return 'ok';
      },
    });
    const { events, recorder } = memoryRecorder();
    const dag = defineDag({ name: 'retry', description: 'test', tasks: [flaky] });
    const result = await runDag({ dag, env: null, runId: 'r', log, recorder, sleep: noSleep });
    assert.equal(result.ok, true);
    assert.equal(result.tasks[0]!.attempts, 3);
    assert.deepEqual(events, [
      'flaky#1 started',
      'flaky#1 retrying: boom 1',
      'flaky#2 started',
      'flaky#2 retrying: boom 2',
      'flaky#3 started',
      'flaky#3 success',
    ]);
  });

  it('fails a task that runs out of attempts or times out, skips what depends on it, finishes the rest', async () => {
    const slow = task<null, void>({
      name: 'slow',
      description: 'never ends',
      retries: 1,
      timeoutMs: 30,
      run: (ctx) =>
        new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason))),
    });
    const after = task<null, void>({
      name: 'after',
      description: '',
      dependsOn: [slow],
      timeoutMs: 1000,
      run: async () => {},
    });
    let otherRan = false;
    const other = task<null, void>({
      name: 'other',
      description: '',
      timeoutMs: 1000,
      run: async () => {
        otherRan = true;
      },
    });
    const { events, recorder } = memoryRecorder();
    const dag = defineDag({ name: 'timeouts', description: 'test', tasks: [slow, after, other] });
    const result = await runDag({ dag, env: null, runId: 'r', log, recorder, sleep: noSleep });
    assert.equal(result.ok, false);
    assert.equal(otherRan, true);
    assert.deepEqual(
      result.tasks.map((t) => [t.task, t.status, t.attempts]),
      [
        ['slow', 'failed', 2],
        ['after', 'upstream_failed', 0],
        ['other', 'success', 1],
      ],
    );
    assert.match(result.error!, /task slow failed after 2 attempts: task slow timed out after 30 ms/);
    assert.ok(events.includes('after#0 upstream_failed: upstream slow failed'));
  });

  it('does not retry a NonRetryableError', async () => {
    let calls = 0;
    const bad = task<null, void>({
      name: 'bad',
      description: '',
      retries: 5,
      timeoutMs: 1000,
      run: async () => {
        calls++;
        throw new NonRetryableError('no rows');
      },
    });
    const result = await runDag({
      dag: defineDag({ name: 'x', description: '', tasks: [bad] }),
      env: null,
      runId: 'r',
      log,
      sleep: noSleep,
    });
    assert.equal(calls, 1);
    assert.equal(result.error, 'task bad failed after 1 attempt: no rows');
  });

  it('rejects a DAG with a duplicate name or a dependency outside it', () => {
    const a = task<null, void>({ name: 'a', description: '', timeoutMs: 1, run: async () => {} });
    const a2 = task<null, void>({ name: 'a', description: '', timeoutMs: 1, run: async () => {} });
    assert.throws(() => defineDag({ name: 'd', description: '', tasks: [a, a2] }), DagDefinitionError);
    const b = task<null, void>({
      name: 'b',
      description: '',
      dependsOn: [a],
      timeoutMs: 1,
      run: async () => {},
    });
    assert.throws(
      () => defineDag({ name: 'd', description: '', tasks: [b] }),
      /depends on "a", which is not in the DAG/,
    );
  });
});
