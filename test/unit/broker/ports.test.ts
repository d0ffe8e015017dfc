/** Loopback ports for brokers: chosen distinct, reused when free, and reported when taken. */
import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  choosePorts,
  freePorts,
  isPortFree,
  portAccepts,
  takenPorts,
} from '../../../src/broker/index.js';

const servers: net.Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});
function listen(port = 0): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      servers.push(server);
      resolve((server.address() as net.AddressInfo).port);
    });
  });
}

const NAMES = ['broker', 'controller'] as const;

describe('freePorts', () => {
  it('gives distinct ports that can be bound', async () => {
    const ports = await freePorts(4);
    expect(new Set(ports).size).toBe(4);
    for (const p of ports) expect(await isPortFree(p)).toBe(true);
  });
});

describe('choosePorts', () => {
  it('takes fixed ports as given', async () => {
    const ports = await choosePorts(NAMES, { broker: 40_111, controller: 40_112 }, undefined);
    expect(ports).toEqual({ broker: 40_111, controller: 40_112 });
  });

  it("reuses the earlier run's ports while they are free", async () => {
    const [a, b] = await freePorts(2);
    expect(await choosePorts(NAMES, {}, { broker: a!, controller: b! })).toEqual({
      broker: a,
      controller: b,
    });
  });

  it('replaces an earlier port that is now taken', async () => {
    const taken = await listen();
    const ports = await choosePorts(NAMES, {}, { broker: taken });
    expect(ports.broker).not.toBe(taken);
    expect(ports.broker).not.toBe(ports.controller);
  });

  it('never gives a fixed port to another name', async () => {
    for (let i = 0; i < 20; i++) {
      const [fixed] = await freePorts(1);
      const ports = await choosePorts(NAMES, { controller: fixed! }, undefined);
      expect(ports.controller).toBe(fixed);
      expect(ports.broker).not.toBe(fixed);
    }
  });
});

describe('takenPorts and portAccepts', () => {
  it('name the ports something listens on', async () => {
    const busy = await listen();
    const [free] = await freePorts(1);
    expect(await takenPorts({ broker: busy, controller: free! })).toEqual([`${busy} (broker)`]);
    expect(await portAccepts('127.0.0.1', busy)).toBe(true);
    expect(await portAccepts('127.0.0.1', free!)).toBe(false);
  });
});
