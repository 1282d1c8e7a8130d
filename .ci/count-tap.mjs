// Counts leaf assertions in a TAP stream (stdin) and prints "N passed, N failed, N skipped".
// A point that closes a subtest is not counted; the subtest's own points are. A bailout or a
// failed run with no failing point counts as one failure, so a crash never looks green.
import { Parser } from 'tap-parser';

let passed = 0;
let failed = 0;
let skipped = 0;

function watch(parser) {
  let openChildren = 0;
  parser.on('child', (child) => {
    openChildren++;
    watch(child);
  });
  parser.on('assert', (point) => {
    if (openChildren > 0) {
      openChildren--;
      return;
    }
    if (point.skip || point.todo) skipped++;
    else if (point.ok) passed++;
    else failed++;
  });
}

const root = new Parser((results) => {
  if (results.bailout) failed++;
  else if (!results.ok && failed === 0) failed++;
  console.log(`${passed} passed, ${failed} failed, ${skipped} skipped`);
});
watch(root);
process.stdin.pipe(root);
