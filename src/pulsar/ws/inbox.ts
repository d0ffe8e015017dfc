/**
 * The queue between a socket and `receive()` callers: buffered items on one side, waiting callers
 * on the other, and a terminal error that ends both.
 */
import { PulsarError, type ReceiveOptions } from '../transport.js';
import { Fifo } from './fifo.js';

interface Waiter<T> {
  resolve(item: T): void;
  reject(err: PulsarError): void;
}

export class Inbox<T> {
  private items = new Fifo<T>();
  private waiters: Waiter<T>[] = [];
  private terminal: PulsarError | undefined;

  constructor(private readonly what: string) {}

  get size(): number {
    return this.items.size;
  }

  /** Hands the item to the oldest waiter, or buffers it. Ignored once the inbox has ended. */
  push(item: T): void {
    if (this.terminal) return;
    const waiter = this.waiters.shift();
    if (waiter) waiter.resolve(item);
    else this.items.push(item);
  }

  /** Drops buffered items (they will be delivered again by the broker). */
  clear(): void {
    this.items = new Fifo<T>();
  }

  /** Ends the inbox: waiters and every later `take` reject with `error`. Idempotent. */
  end(error: PulsarError): void {
    if (this.terminal) return;
    this.terminal = error;
    this.clear();
    for (const w of this.waiters.splice(0)) w.reject(error);
  }

  get ended(): PulsarError | undefined {
    return this.terminal;
  }

  /** The next item, waiting if none is buffered. */
  take(options: ReceiveOptions = {}): Promise<T> {
    if (this.terminal) return Promise.reject(this.terminal);
    if (this.items.size > 0) return Promise.resolve(this.items.shift()!);
    const { signal, timeoutMs } = options;
    if (signal?.aborted) return Promise.reject(abortError(this.what, signal));
    return new Promise<T>((resolve, reject) => {
      let timer: NodeJS.Timeout | undefined;
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
      };
      const waiter: Waiter<T> = {
        resolve: (item) => {
          cleanup();
          resolve(item);
        },
        reject: (err) => {
          cleanup();
          reject(err);
        },
      };
      const drop = (err: PulsarError): void => {
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        waiter.reject(err);
      };
      const onAbort = (): void => drop(abortError(this.what, signal!));
      if (timeoutMs !== undefined) {
        timer = setTimeout(
          () =>
            drop(
              new PulsarError('PULSAR_TIMEOUT', `${this.what}: no message within ${timeoutMs} ms`),
            ),
          timeoutMs,
        );
      }
      signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }
}

function abortError(what: string, signal: AbortSignal): PulsarError {
  return new PulsarError('PULSAR_ABORTED', `${what}: receive aborted`, { cause: signal.reason });
}

/**
 * Async iteration over `receive`: ends quietly when the handle is closed by its owner, throws
 * when it failed (gave up reconnecting).
 */
export async function* iterate<T>(
  receive: () => Promise<T>,
  closedByOwner: () => boolean,
): AsyncGenerator<T, void, undefined> {
  for (;;) {
    let item: T;
    try {
      item = await receive();
    } catch (err) {
      if (closedByOwner()) return;
      throw err;
    }
    yield item;
  }
}
