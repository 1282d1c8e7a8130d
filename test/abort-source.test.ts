import t from 'tap';
import { createAbortSource, type AbortSignalLike } from '../src/abort-source.js';

t.test('abort sets aborted and reason once, and runs each listener once, in order', async (t) => {
  const source = createAbortSource();
  const ran: string[] = [];
  const first = (): void => void ran.push('first');
  source.addEventListener('abort', first);
  source.addEventListener('abort', first, { once: true });
  source.addEventListener('abort', { handleEvent: () => void ran.push('object') });
  source.addEventListener('abort', () => void ran.push('last'));
  t.equal(source.aborted, false);
  t.equal(source.reason, undefined);
  source.abort('gone');
  source.abort('again');
  t.equal(source.aborted, true);
  t.equal(source.reason, 'gone', 'the first reason stays');
  t.same(ran, ['first', 'object', 'last'], 'a listener added twice runs once');
});

t.test('a removed listener does not run, also when removed by another listener during abort', async (t) => {
  const source = createAbortSource();
  const ran: string[] = [];
  const removed = (): void => void ran.push('removed');
  const later = (): void => void ran.push('later');
  source.addEventListener('abort', removed);
  source.removeEventListener('abort', removed);
  source.removeEventListener('abort', () => {});
  source.addEventListener('abort', () => {
    ran.push('remover');
    source.removeEventListener('abort', later);
  });
  source.addEventListener('abort', later);
  source.abort(undefined);
  t.same(ran, ['remover']);
});

t.test('listeners added after the abort never run; removing from a fresh source is harmless', async (t) => {
  const fresh = createAbortSource();
  fresh.removeEventListener('abort', () => {});
  fresh.abort(undefined);
  let ran = false;
  fresh.addEventListener('abort', () => {
    ran = true;
  });
  fresh.abort(undefined);
  t.equal(ran, false);
});

t.test("Node's own AbortSignal fits where the pipeline expects a signal", async (t) => {
  const controller = new AbortController();
  const signal: AbortSignalLike = controller.signal;
  let ran = 0;
  signal.addEventListener('abort', () => void ran++, { once: true });
  controller.abort('stop');
  t.equal(signal.aborted, true);
  t.equal(signal.reason, 'stop');
  t.equal(ran, 1);
});
