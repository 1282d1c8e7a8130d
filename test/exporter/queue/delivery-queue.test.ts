import t from 'tap';
import { ErrorCode } from '../../../src/errors.js';
import { fits, queueFull, storageError } from '../../../src/exporter/queue/delivery-queue.js';
import { clientStatusOf } from '../../../src/otlp/status.js';

t.test('fits: bytes and count bounds; an empty queue takes anything', async (t) => {
  t.ok(fits({ maxBytes: 10 }, 0, 0, 1000));
  t.ok(fits({ maxBytes: 10 }, 1, 5, 5));
  t.notOk(fits({ maxBytes: 10 }, 1, 5, 6));
  t.notOk(fits({ maxBytes: 10, maxItems: 1 }, 1, 0, 1));
});

t.test('the refusals are retryable, with a delay', async (t) => {
  const full = queueFull({ maxBytes: 10 }, 2, 9);
  t.match(full, { code: ErrorCode.OVERLOADED, retryAfterMillis: 1000 });
  t.same([clientStatusOf(full).httpStatus, clientStatusOf(full).retryAfterMillis], [429, 1000]);
  const disk = storageError('store the request', Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' }), 2000);
  t.match(disk, { code: ErrorCode.STORAGE, message: 'the persistent queue could not store the request: ENOSPC: no space left on device', retryAfterMillis: 2000 });
  t.same([clientStatusOf(disk).httpStatus, clientStatusOf(disk).retryable], [503, true]);
  t.match(storageError('read', 'odd'), { message: /could not read: odd/, retryAfterMillis: 1000 });
});
