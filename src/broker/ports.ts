/** TCP ports on the loopback interface, for brokers that must not collide with others. */
import net from 'node:net';

function listenOnAny(): Promise<net.Server> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}

function close(server: net.Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

/**
 * `count` distinct ports that were free on 127.0.0.1 a moment ago. All are held open together
 * so the kernel cannot hand out the same one twice; another process may still take one before
 * the broker binds it, which the caller handles by retrying with new ports.
 */
export async function freePorts(count: number): Promise<number[]> {
  const servers: net.Server[] = [];
  try {
    for (let i = 0; i < count; i++) servers.push(await listenOnAny());
    return servers.map((s) => (s.address() as net.AddressInfo).port);
  } finally {
    await Promise.all(servers.map(close));
  }
}

/** True when `port` can be bound on 127.0.0.1 right now. */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = net.createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** True when something accepts a TCP connection on `host`:`port` within `timeoutMs`. */
export function portAccepts(host: string, port: number, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok: boolean): void => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(timeoutMs, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

/**
 * The ports a broker start uses, by name: each is the fixed one when given, else the earlier
 * run's when still free (the same addresses as last time are friendlier), else a new free one.
 */
export async function choosePorts<K extends string>(
  names: readonly K[],
  fixed: Partial<Record<K, number>>,
  earlier: Partial<Record<K, number>> | undefined,
): Promise<Record<K, number>> {
  const pinned = names.map((n) => fixed[n]).filter((p): p is number => p !== undefined);
  // The kernel may hand out a port that is also fixed, or that an earlier run used for another
  // name: neither may be given twice.
  const fresh = (await freePorts(names.length + pinned.length)).filter((p) => !pinned.includes(p));
  const chosen = {} as Record<K, number>;
  for (const [i, name] of names.entries()) {
    const old = earlier?.[name];
    const reuse =
      old !== undefined && !pinned.includes(old) && !fresh.includes(old) && (await isPortFree(old));
    chosen[name] = fixed[name] ?? (reuse ? old : fresh[i]!);
  }
  return chosen;
}

/** `"<port> (<name>)"` for each of `ports` that cannot be bound on 127.0.0.1 now. */
export async function takenPorts(ports: Record<string, number>): Promise<string[]> {
  const taken: string[] = [];
  for (const [name, port] of Object.entries(ports)) {
    if (!(await isPortFree(port))) taken.push(`${port} (${name})`);
  }
  return taken;
}
