/**
 * One logical WebSocket session that survives drops: it reconnects with backoff and tells its
 * owner (producer, consumer, reader) so the owner can restore its state on the new session.
 * The first connection is tried once and its failure is returned to the caller; later drops are
 * retried until `maxAttempts` consecutive attempts fail or a refusal is permanent (400, 401, 403,
 * 404).
 */
import WebSocket from 'ws';
import { PulsarError, type ConnectionEvent, type HandleRole } from '../transport.js';
import { backoffDelay, type BackoffPolicy } from './backoff.js';
import { handshakeError, isTransientStatus } from './handshake.js';

export interface SocketOptions {
  readonly role: HandleRole;
  /** Full topic name, for messages and events. */
  readonly topic: string;
  /** Names the handle in error messages, e.g. `consumer persistent://public/default/t (sub)`. */
  readonly what: string;
  readonly headers: Readonly<Record<string, string>>;
  readonly policy: BackoffPolicy;
  /** Milliseconds allowed for one handshake. */
  readonly connectTimeoutMs: number;
  /** Milliseconds between keep-alive pings; a missed pong drops the session (0 = off). */
  readonly pingIntervalMs: number;
  readonly onEvent: ((event: ConnectionEvent) => void) | undefined;
}

/** What the owner of a socket must provide. */
export interface SocketOwner {
  /** URL of the next attempt; readers move their start position between sessions. */
  url(): string;
  /** A session is open; `reconnect` is false only for the first. Restore state here. */
  opened(reconnect: boolean): void;
  message(text: string): void;
  /** The session was lost; a reconnect is already scheduled. */
  dropped(error: PulsarError): void;
  /** Reconnecting gave up. Terminal: the owner rejects whatever it still holds. */
  failed(error: PulsarError): void;
  /** Why this handle cannot be restored after a drop, if it cannot; checked before retrying. */
  resumeError?(): PulsarError | undefined;
}

/**
 * An open socket plus what happened between its 'open' event and its adoption: ws emits frames
 * that arrived with the handshake synchronously after 'open', before any promise continuation.
 */
interface Attempt {
  readonly ws: WebSocket;
  readonly early: { frames: string[]; closed?: { code: number; reason: string } };
}

type State = 'idle' | 'connecting' | 'open' | 'waiting' | 'closed' | 'failed';

// A session that lasted this long counts as healthy: the next drop starts backoff from scratch.
const STABLE_SESSION_MS = 2_000;
// How long a clean close may wait for the server's close frame.
const CLOSE_GRACE_MS = 3_000;

const registry = new WeakMap<object, ManagedSocket>();

/** Test hook: the socket behind a handle created by this module. */
export function socketOf(handle: object): ManagedSocket | undefined {
  return registry.get(handle);
}

/** A reconnecting WebSocket session owned by one producer, consumer or reader. */
export class ManagedSocket {
  private state: State = 'idle';
  private ws: WebSocket | undefined;
  private attempts = 0;
  private openedAt = 0;
  private timer: NodeJS.Timeout | undefined;
  private pinger: NodeJS.Timeout | undefined;
  private closing: Promise<void> | undefined;
  /** Sessions opened so far (1 after the first connect); tags data by session. */
  session = 0;
  /** Reconnects that succeeded. */
  reconnects = 0;

  constructor(
    handle: object,
    private readonly opts: SocketOptions,
    private readonly owner: SocketOwner,
  ) {
    registry.set(handle, this);
  }

  get isOpen(): boolean {
    return this.state === 'open' && this.ws?.readyState === WebSocket.OPEN;
  }

  /** Connects once. Rejects with the broker's refusal or the network error. */
  async open(): Promise<void> {
    if (this.state !== 'idle') throw new Error('ManagedSocket.open called twice');
    this.state = 'connecting';
    try {
      const attempt = await this.attempt(this.owner.url());
      if (this.isClosed()) {
        attempt.ws.terminate();
        throw new PulsarError('PULSAR_CLOSED', `${this.opts.what}: closed while connecting`);
      }
      this.adopt(attempt, false);
    } catch (err) {
      if (!this.isClosed()) this.state = 'failed';
      throw err;
    }
  }

  /**
   * Writes one text frame if a session is open. Returns false (and writes nothing) otherwise;
   * `done` is called once the frame is handed to the OS, or with an error.
   */
  send(text: string, done?: (err?: Error) => void): boolean {
    if (!this.isOpen) return false;
    this.ws!.send(text, done);
    return true;
  }

  /** Bytes queued in the socket but not yet written. */
  get bufferedAmount(): number {
    return this.ws?.bufferedAmount ?? 0;
  }

  // a method, not an inline comparison: close() may run while open() awaits, which narrowing misses
  private isClosed(): boolean {
    return this.state === 'closed';
  }

  /** Closes cleanly (1000) and stops reconnecting. Idempotent. */
  close(): Promise<void> {
    if (this.closing) return this.closing;
    const ws = this.ws;
    this.state = 'closed';
    this.stopTimers();
    this.closing = new Promise<void>((resolve) => {
      if (!ws || ws.readyState === WebSocket.CLOSED) return resolve();
      const grace = setTimeout(() => ws.terminate(), CLOSE_GRACE_MS);
      ws.once('close', () => {
        clearTimeout(grace);
        resolve();
      });
      if (ws.readyState === WebSocket.OPEN) ws.close(1000, 'client closed');
      else ws.terminate();
    });
    return this.closing;
  }

  /** Test hook: drops the TCP connection without a close frame, as a network failure would. */
  terminate(): void {
    this.ws?.terminate();
  }

  private adopt({ ws, early }: Attempt, reconnect: boolean): void {
    this.ws = ws;
    this.state = 'open';
    this.session++;
    this.openedAt = Date.now();
    let alive = true;
    ws.on('pong', () => (alive = true));
    ws.removeAllListeners('message');
    ws.on('message', (data, isBinary) => {
      if (ws !== this.ws || isBinary) return;
      this.owner.message(data.toString());
    });
    ws.on('close', (code, reason) => this.onClose(ws, code, reason.toString()));
    if (this.opts.pingIntervalMs > 0) {
      this.pinger = setInterval(() => {
        if (!alive) return ws.terminate();
        alive = false;
        if (ws.readyState === WebSocket.OPEN) ws.ping();
      }, this.opts.pingIntervalMs);
      this.pinger.unref();
    }
    if (reconnect) {
      this.reconnects++;
      this.emit({ type: 'reconnected', attempts: this.attempts });
    }
    this.owner.opened(reconnect);
    for (const text of early.frames) this.owner.message(text);
    if (early.closed) this.onClose(ws, early.closed.code, early.closed.reason);
  }

  private onClose(ws: WebSocket, code: number, reason: string): void {
    if (ws !== this.ws || this.state !== 'open') return;
    this.stopTimers();
    const how = code === 1006 ? 'without a close frame' : `with code ${code}`;
    const error = new PulsarError(
      'PULSAR_DISCONNECTED',
      `${this.opts.what}: connection lost ${how}${reason ? `: ${reason}` : ''}`,
      reason ? { closeCode: code, reason } : { closeCode: code },
    );
    if (Date.now() - this.openedAt >= STABLE_SESSION_MS) this.attempts = 0;
    this.owner.dropped(error);
    this.emit({ type: 'disconnected', error });
    const unresumable = this.owner.resumeError?.();
    if (unresumable) return this.fail(unresumable);
    this.retry(error);
  }

  private retry(last: PulsarError): void {
    if (this.attempts >= this.opts.policy.maxAttempts) {
      return this.fail(
        new PulsarError(
          'PULSAR_DISCONNECTED',
          `${this.opts.what}: gave up after ${this.attempts} reconnect attempts; last error: ${last.message}`,
          { closeCode: last.closeCode, reason: last.reason, status: last.status, cause: last },
        ),
      );
    }
    const delay = backoffDelay(this.attempts, this.opts.policy);
    this.attempts++;
    this.state = 'waiting';
    this.timer = setTimeout(() => void this.reconnect(), delay);
  }

  private async reconnect(): Promise<void> {
    this.timer = undefined;
    if (this.state !== 'waiting') return;
    this.state = 'connecting';
    try {
      const attempt = await this.attempt(this.owner.url());
      if (this.state !== 'connecting') return attempt.ws.terminate();
      this.adopt(attempt, true);
    } catch (err) {
      if (this.state !== 'connecting') return;
      const error = err as PulsarError;
      if (error.status !== undefined && !isTransientStatus(error.status)) return this.fail(error);
      this.retry(error);
    }
  }

  private fail(error: PulsarError): void {
    this.state = 'failed';
    this.stopTimers();
    this.emit({ type: 'failed', error });
    this.owner.failed(error);
  }

  private stopTimers(): void {
    clearTimeout(this.timer);
    clearInterval(this.pinger);
    this.timer = undefined;
    this.pinger = undefined;
  }

  private emit(
    event:
      | { type: 'disconnected'; error: PulsarError }
      | { type: 'reconnected'; attempts: number }
      | { type: 'failed'; error: PulsarError },
  ): void {
    try {
      this.opts.onEvent?.({ ...event, topic: this.opts.topic, role: this.opts.role });
    } catch {
      // a host's logging hook must not break the connection
    }
  }

  /** One handshake: resolves with an open socket or rejects with a `PulsarError`. */
  private attempt(url: string): Promise<Attempt> {
    const { what } = this.opts;
    return new Promise<Attempt>((resolve, reject) => {
      let settled = false;
      const early: Attempt['early'] = { frames: [] };
      const ws = new WebSocket(url, {
        headers: { ...this.opts.headers },
        handshakeTimeout: this.opts.connectTimeoutMs,
        perMessageDeflate: false,
      });
      const settle = (err: PulsarError | undefined): void => {
        if (settled) return;
        settled = true;
        if (err) {
          ws.terminate();
          reject(err);
        } else resolve({ ws, early });
      };
      ws.on('message', (data, isBinary) => {
        if (!isBinary) early.frames.push(data.toString());
      });
      ws.on('unexpected-response', (req, res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 16_384) body += chunk;
        });
        // a refusal whose body never ends must not hang the caller: give it a moment, then go
        const bodyTimer = setTimeout(() => done(), 2_000);
        const done = (): void => {
          clearTimeout(bodyTimer);
          settle(handshakeError(what, res.statusCode ?? 0, body));
          req.destroy();
        };
        res.on('end', done);
        res.on('error', done);
      });
      // After settling, errors belong to the session: 'close' follows and handles them.
      ws.on('error', (err) =>
        settle(
          new PulsarError('PULSAR_DISCONNECTED', `${what}: cannot connect: ${err.message}`, {
            cause: err,
          }),
        ),
      );
      ws.once('open', () => settle(undefined));
      ws.once('close', (code, reason) => {
        early.closed = { code, reason: reason.toString() };
        settle(
          new PulsarError(
            'PULSAR_DISCONNECTED',
            `${what}: connection closed during the handshake (code ${code}${reason.length ? `: ${reason.toString()}` : ''})`,
            { closeCode: code },
          ),
        );
      });
    });
  }
}
