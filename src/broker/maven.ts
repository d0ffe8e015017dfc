/**
 * Runs Maven and turns its download log into a few progress lines: on a machine whose ~/.m2 is
 * empty a broker's jars (Pulsar's ~300) take from half a minute to several minutes to arrive.
 */
import { spawn } from 'node:child_process';
import type { BrokerProduct } from './product.js';

/** How often a progress line is printed while Maven downloads, in milliseconds. */
const PROGRESS_EVERY_MS = 3_000;
const KEEP_LINES = 60;

const UNITS: Record<string, number> = { B: 1, kB: 1e3, KB: 1e3, MB: 1e6, GB: 1e9 };

/** The bytes of one `Downloaded from <repo>: <url> (6.7 MB at 41 MB/s)` line, or undefined. */
export function downloadedBytes(line: string): number | undefined {
  const m = /Downloaded from [^:]+: \S+ \(([\d.]+) (B|kB|KB|MB|GB)/.exec(line);
  return m === null ? undefined : Number(m[1]) * UNITS[m[2]!]!;
}

/** What Maven did, for the caller's summary. */
export interface MavenRun {
  downloadedFiles: number;
  downloadedBytes: number;
}

/**
 * Runs `mvn -B <args>` in `cwd` for `product`. Resolves when Maven exits 0; otherwise throws the
 * product's `*_MVN_MISSING` (no mvn on PATH) or `*_FETCH_FAILED` with the end of Maven's output.
 */
export function runMaven(
  product: BrokerProduct,
  args: string[],
  cwd: string,
  onProgress: (line: string) => void,
): Promise<MavenRun> {
  return new Promise((resolve, reject) => {
    const child = spawn('mvn', ['-B', '-Dstyle.color=never', ...args], {
      cwd,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tail: string[] = [];
    const run: MavenRun = { downloadedFiles: 0, downloadedBytes: 0 };
    let partial = '';
    const onData = (chunk: Buffer): void => {
      const lines = (partial + chunk.toString()).split('\n');
      partial = lines.pop() ?? '';
      for (const raw of lines) {
        // eslint-disable-next-line no-control-regex -- Maven's launcher colours even with -B.
        const line = raw.replace(/\u001b\[[0-9;]*m/g, '').trimEnd();
        const bytes = downloadedBytes(line);
        if (bytes !== undefined) {
          run.downloadedFiles++;
          run.downloadedBytes += bytes;
        }
        if (line !== '') tail.push(line);
        if (tail.length > KEEP_LINES) tail.shift();
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', onData);
    const ticker = setInterval(() => {
      if (run.downloadedFiles > 0) {
        onProgress(
          `  … ${run.downloadedFiles} files downloaded, ` +
            `${(run.downloadedBytes / 1e6).toFixed(1)} MB so far`,
        );
      }
    }, PROGRESS_EVERY_MS);
    child.once('error', (err: NodeJS.ErrnoException) => {
      clearInterval(ticker);
      reject(
        err.code === 'ENOENT'
          ? product.fail(
              'MVN_MISSING',
              `mvn is not on PATH: the ${product.name} broker jars are fetched from Maven ` +
                'Central with Apache Maven 3.6 or newer (Debian: apt-get install maven)',
            )
          : product.fail('FETCH_FAILED', `cannot run mvn: ${err.message}`),
      );
    });
    child.once('close', (code, signal) => {
      clearInterval(ticker);
      if (code === 0) resolve(run);
      else {
        reject(
          product.fail(
            'FETCH_FAILED',
            `mvn ${args.join(' ')} failed (${signal ?? `exit ${code}`}); its last lines:\n` +
              tail.join('\n'),
          ),
        );
      }
    });
  });
}
