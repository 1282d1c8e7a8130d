import t from 'tap';
import { effectiveDeadline } from '../../src/exporter/deadline.js';

t.test('the earlier of the client deadline and now + timeoutMillis; 0 = no limit', async (t) => {
  const now = 1_000_000;
  t.equal(effectiveDeadline(undefined, 0, now), undefined, 'neither');
  t.equal(effectiveDeadline(undefined, 500, now), now + 500, 'timeout only');
  t.equal(effectiveDeadline(now + 100, 0, now), now + 100, 'client only');
  t.equal(effectiveDeadline(now + 100, 500, now), now + 100, 'client earlier');
  t.equal(effectiveDeadline(now + 900, 500, now), now + 500, 'timeout earlier');
  const live = effectiveDeadline(undefined, 1000) as number;
  t.ok(live > Date.now() && live <= Date.now() + 1000, 'now defaults to the clock');
});
