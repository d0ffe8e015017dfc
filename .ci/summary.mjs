// Prints the test counts of the vitest JSON report as one plain line: "tests: N passed, N failed".
import fs from 'node:fs';

const report = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
const skipped = report.numPendingTests + (report.numTodoTests ?? 0);
console.log(
  `tests: ${report.numPassedTests} passed, ${report.numFailedTests} failed` +
    (skipped > 0 ? `, ${skipped} skipped` : ''),
);
if (report.numTotalTests === 0) process.exitCode = 1;
