/**
 * Turns a refused WebSocket upgrade into a `PulsarError`. The service refuses with an HTTP status
 * and a Jetty HTML page whose <title> holds the reason ("Error 404 Failed to create
 * producer/consumer: {"errorMsg":"Namespace not found",…}"); the status line alone says nothing.
 */
import { PulsarError } from '../transport.js';

const ENTITIES: Record<string, string> = { quot: '"', amp: '&', lt: '<', gt: '>', apos: "'" };

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const n =
        name[1] === 'x' || name[1] === 'X' ? parseInt(name.slice(2), 16) : Number(name.slice(1));
      return Number.isFinite(n) ? String.fromCodePoint(n) : whole;
    }
    return ENTITIES[name.toLowerCase()] ?? whole;
  });
}

/** The broker's reason from an error page body, shortened to what a person needs. */
export function reasonFromBody(body: string): string | undefined {
  const title =
    /<title>([\s\S]*?)<\/title>/i.exec(body)?.[1] ?? /<h2>([\s\S]*?)<\/h2>/i.exec(body)?.[1];
  const raw = title === undefined ? body.trim() : decodeEntities(title).trim();
  if (raw === '') return undefined;
  return (
    raw
      .replace(/^(HTTP )?ERROR \d+\s*/i, '')
      // the broker appends request bookkeeping (reqId, remote, local) that helps nobody here
      .replace(/\{"errorMsg":"((?:[^"\\]|\\.)*)"[\s\S]*\}\s*$/, '$1')
      .slice(0, 500)
  );
}

/** Statuses worth retrying during a reconnect: the service or broker is busy or recovering. */
export function isTransientStatus(status: number): boolean {
  // 409: an Exclusive/Failover slot may still be held by our own dropped session for a moment.
  return status === 408 || status === 409 || status === 429 || status >= 500;
}

/** Builds the error for a refused handshake. */
export function handshakeError(what: string, status: number, body: string): PulsarError {
  const reason = reasonFromBody(body);
  const code = status === 401 || status === 403 ? 'PULSAR_AUTH_FAILED' : 'PULSAR_CONNECT_FAILED';
  const hint =
    status === 401
      ? ' (check the token)'
      : status === 403
        ? ' (the token lacks permission for this topic)'
        : '';
  return new PulsarError(
    code,
    `${what}: the broker refused the connection with HTTP ${status}${reason ? `: ${reason}` : ''}${hint}`,
    reason === undefined ? { status } : { status, reason },
  );
}
