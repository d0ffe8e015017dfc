/**
 * How a long-running command ends on SIGINT or SIGTERM: say what it is doing, stop gracefully
 * within a deadline, exit 0 when done. A second signal, or the deadline passing, exits at once
 * with 1: what is durable then is what the last snapshot (or acknowledgement) made so.
 */
export function stopOnSignals(opts: {
  /** What stopping does, printed after the signal's name. */
  announce: string;
  stop: () => Promise<void>;
  /** Printed once stopped. */
  done: () => string;
  graceMs: number;
}): void {
  let stopping = false;
  const onSignal = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    console.log(`${signal}: ${opts.announce}`);
    const watchdog = setTimeout(() => {
      console.error(`shutdown took more than ${opts.graceMs / 1000} s; exiting`);
      process.exit(1);
    }, opts.graceMs);
    watchdog.unref();
    opts.stop().then(
      () => {
        console.log(opts.done());
        process.exit(0);
      },
      (err: unknown) => {
        console.error(err);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => onSignal('SIGINT'));
  process.on('SIGTERM', () => onSignal('SIGTERM'));
}
