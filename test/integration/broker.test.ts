/**
 * The broker tooling against a real Pulsar: the global broker of test/setup/broker.ts answers
 * and round-trips a message over the WebSocket API, the admin helpers work, and a second
 * standalone broker starts and stops without leaving a process behind.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import {
  brokerStatus,
  createNamespace,
  createPartitionedTopic,
  getNamespaceRetention,
  isHealthy,
  partitionCount,
  setNamespaceRetention,
  startStandalone,
  stopStandalone,
} from '../../src/pulsar/broker/index.js';
import { pulsarUrls } from '../support/pulsar.js';

const unique = (prefix: string): string =>
  `${prefix}-${process.pid}-${Date.now().toString(36)}-${Math.floor(Math.random() * 1e6)}`;

/** Sends one JSON frame on a fresh socket and resolves with the first frame received back. */
function firstFrame(url: string, send?: unknown): Promise<Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(url);
    const timer = setTimeout(() => {
      ws.terminate();
      reject(new Error(`no frame from ${url} within 20 s`));
    }, 20_000);
    ws.once('open', () => {
      if (send !== undefined) ws.send(JSON.stringify(send));
    });
    ws.once('message', (data: WebSocket.RawData) => {
      clearTimeout(timer);
      const frame = JSON.parse(data.toString()) as Record<string, unknown>;
      // A reader acknowledges too, so the broker keeps the flow going.
      if (typeof frame.messageId === 'string' && send === undefined) {
        ws.send(JSON.stringify({ messageId: frame.messageId }));
      }
      ws.close();
      resolve(frame);
    });
    ws.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

describe('the global broker', () => {
  const urls = pulsarUrls();

  it('answers the admin health check', async () => {
    expect(await isHealthy(urls.adminUrl)).toBe(true);
  });

  it('round-trips a message: WebSocket producer, then a reader from the earliest', async () => {
    const topic = `persistent/public/default/${unique('broker-test')}`;
    const payload = JSON.stringify({ type: 'view', item: 'sku-1', at: Date.now() });
    const ack = await firstFrame(`${urls.wsUrl}/ws/v2/producer/${topic}`, {
      payload: Buffer.from(payload).toString('base64'),
      properties: { source: 'broker.test' },
      context: 'c1',
    });
    expect(ack).toMatchObject({ result: 'ok', context: 'c1' });

    const msg = await firstFrame(`${urls.wsUrl}/ws/v2/reader/${topic}?messageId=earliest`);
    expect(Buffer.from(msg.payload as string, 'base64').toString()).toBe(payload);
    expect(msg.properties).toEqual({ source: 'broker.test' });
    expect(msg.messageId).toBe(ack.messageId);
  });

  it('creates partitioned topics and sets namespace retention through the admin API', async () => {
    const namespace = `public/${unique('ns')}`;
    await createNamespace(urls.adminUrl, namespace);
    await setNamespaceRetention(urls.adminUrl, namespace, {
      retentionTimeInMinutes: 60,
      retentionSizeInMB: 100,
    });
    expect(await getNamespaceRetention(urls.adminUrl, namespace)).toEqual({
      retentionTimeInMinutes: 60,
      retentionSizeInMB: 100,
    });
    const topic = `persistent://${namespace}/events`;
    await createPartitionedTopic(urls.adminUrl, topic, 3);
    expect(await partitionCount(urls.adminUrl, topic)).toBe(3);
    await expect(createPartitionedTopic(urls.adminUrl, topic, 3)).rejects.toThrow(/409/);
  });

  it.skipIf(urls.dataDir === undefined)(
    'is reported running by brokerStatus (only a broker the setup started)',
    async () => {
      const status = await brokerStatus(urls.dataDir!);
      expect(status).toMatchObject({ state: 'running', adminUrl: urls.adminUrl });
      expect(status.rssBytes).toBeGreaterThan(0);
    },
  );
});

describe('a second standalone broker', () => {
  let dataDir: string | undefined;
  afterAll(async () => {
    if (dataDir === undefined) return;
    await stopStandalone(dataDir);
    fs.rmSync(dataDir, { recursive: true, force: true });
  });

  it('starts beside the first, reports running, then stops leaving no process', async () => {
    dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'aisle-pulsar-second-'));
    const broker = await startStandalone({ dataDir, fresh: true, heapMb: 256 });
    expect(broker.adminUrl).not.toBe(pulsarUrls().adminUrl);
    expect(await isHealthy(broker.adminUrl)).toBe(true);
    const running = await brokerStatus(dataDir);
    expect(running).toMatchObject({ state: 'running', pid: broker.pid, wsUrl: broker.wsUrl });

    await expect(startStandalone({ dataDir })).rejects.toMatchObject({
      code: 'PULSAR_ALREADY_RUNNING',
    });

    const stopped = await stopStandalone(dataDir);
    expect(stopped).toMatchObject({ wasRunning: true, pid: broker.pid });
    // No process is left in the broker's process group.
    expect(() => process.kill(-broker.pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(await brokerStatus(dataDir)).toMatchObject({ state: 'stopped' });
    expect(fs.existsSync(path.join(dataDir, 'broker.pid'))).toBe(false);
    expect(await stopStandalone(dataDir)).toMatchObject({ wasRunning: false });
  }, 180_000);
});
