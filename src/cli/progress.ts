/** Progress on stderr, so `--json` output on stdout stays clean. */
import { Presets, SingleBar } from 'cli-progress';

/** A progress reporter on stderr: a bar on a TTY, a rate line every 10% otherwise. */
export function progress(label = 'cases'): {
  update: (done: number, total: number) => void;
  stop: () => void;
} {
  const started = performance.now();
  if (process.stderr.isTTY) {
    const bar = new SingleBar(
      { stream: process.stderr, format: `${label} {bar} {value}/{total} | {rate}/s | eta {eta}s` },
      Presets.shades_classic,
    );
    let begun = false;
    return {
      update: (done, total) => {
        if (!begun) bar.start(total, 0, { rate: 0 });
        begun = true;
        const rate = Math.round(done / ((performance.now() - started) / 1000));
        bar.update(done, { rate });
      },
      stop: () => bar.stop(),
    };
  }
  let nextTenth = 1;
  return {
    update: (done, total) => {
      if (done < (total * nextTenth) / 10) return;
      nextTenth += 1;
      const s = (performance.now() - started) / 1000;
      process.stderr.write(`${label} ${done}/${total} (${Math.round(done / s)}/s)\n`);
    },
    stop: () => undefined,
  };
}
