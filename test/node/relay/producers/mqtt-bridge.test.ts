import assert from 'node:assert/strict';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { Aedes } from 'aedes';
import mqtt from 'mqtt';
import { createRelay, type Relay } from '../../../../src/relay/index.js';
import { eventually, get, offsets, range, wsSubscribe, ys } from '../../../support/relay-clients.js';

/** A real MQTT broker in this process (aedes) on a free port. */
async function startBroker(): Promise<{ url: string; close(): Promise<void> }> {
  const broker = await Aedes.createBroker();
  const server = net.createServer(broker.handle);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  return {
    url: `mqtt://127.0.0.1:${(server.address() as net.AddressInfo).port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close();
        broker.close(() => resolve());
      }),
  };
}

describe('MQTT devices as producers (--mqtt)', () => {
  let broker: Awaited<ReturnType<typeof startBroker>>;
  let relay: Relay;
  let device: mqtt.MqttClient;
  const lines: string[] = [];
  before(async () => {
    broker = await startBroker();
    relay = await createRelay({
      port: 0,
      mqtt: { url: broker.url },
      keys: { '*': 'only-for-http' },
      log: (line) => lines.push(line),
    });
    await relay.mqtt?.ready();
    device = await mqtt.connectAsync(broker.url);
  });
  after(async () => {
    await device.endAsync();
    await relay.close();
    await broker.close();
  });

  it("a device's messages reach a viewer exactly, in order, on the token named by the topic's last level", async () => {
    const viewer = await wsSubscribe(relay.url, 'token=sensor1&runs=1');
    await viewer.until((e) => e.some((x) => x.type === 'ready'));
    for (let i = 1; i <= 50; i++) await device.publishAsync('plotly/sensor1', JSON.stringify({ x: i, y: i * i }));
    // NDJSON lines in one payload are messages of their own.
    await device.publishAsync('plotly/sensor1', '{"x": 51, "y": 1}\n{"x": 52, "y": 2}\n');
    await viewer.untilMessages(52);
    assert.deepEqual(offsets(viewer.events), range(1, 52));
    assert.deepEqual(ys(viewer.events).slice(-3), [2500, 1, 2]);
    viewer.socket.close();
  });

  it('bad lines are rejected alone (counted, logged once per token and cause); the good ones beside them go through', async () => {
    const viewer = await wsSubscribe(relay.url, 'token=sensor2');
    await viewer.until((e) => e.some((x) => x.type === 'ready'));
    await device.publishAsync('plotly/sensor2', '{"y": 1}\nnot json\n[1, 2]\n{"y": 2}');
    await device.publishAsync('plotly/sensor2', 'still not json');
    await device.publishAsync('plotly/not a token', '{"y": 3}');
    await device.publishAsync('plotly/sensor2', '{"y": 3}');
    await viewer.untilMessages(3);
    assert.deepEqual(ys(viewer.events), [1, 2, 3]);
    const metrics = JSON.parse((await get(`${relay.url}/metrics?format=json`)).body) as {
      tokens: Record<string, { messagesIn: number; rejected: number }>;
    };
    assert.equal(metrics.tokens['sensor2']?.messagesIn, 3);
    assert.equal(metrics.tokens['sensor2']?.rejected, 3);
    const logged = lines.filter((l) => l.includes('mqtt sensor2'));
    assert.equal(logged.filter((l) => l.includes('invalid-json')).length, 1, 'once per token and cause');
    assert.equal(logged.filter((l) => l.includes('not-an-object')).length, 1);
    assert.ok(lines.some((l) => l.includes('its last level must be a token')));
    viewer.socket.close();
  });

  it('write keys are for HTTP producers: an ingest without its key is refused while the device writes', async () => {
    const refused = await fetch(`${relay.url}/`, {
      method: 'POST',
      headers: { 'plotly-streamtoken': 'sensor3' },
      body: '{"y": 1}\n',
    });
    assert.equal(refused.status, 401);
    const viewer = await wsSubscribe(relay.url, 'token=sensor3');
    await viewer.until((e) => e.some((x) => x.type === 'ready'));
    await device.publishAsync('plotly/sensor3', '{"y": 7}');
    await viewer.untilMessages(1);
    viewer.socket.close();
  });

  it("a device is held to the relay's rate limit as an ingest is: lines past it are dropped, counted and said once", async () => {
    const logs: string[] = [];
    const limited = await createRelay({ port: 0, mqtt: { url: broker.url }, rateLimit: 5, log: (l) => logs.push(l) });
    try {
      await limited.mqtt?.ready();
      const viewer = await wsSubscribe(limited.url, 'token=fast-device');
      await viewer.until((e) => e.some((x) => x.type === 'ready'));
      const burst = Array.from({ length: 20 }, (_, i) => `{"y": ${i}}`).join('\n');
      await device.publishAsync('plotly/fast-device', burst);
      await viewer.untilMessages(5);
      await eventually(() => limited.metrics.token('fast-device').rateLimited === 15, 'the rest counted');
      assert.deepEqual(ys(viewer.events), [0, 1, 2, 3, 4]);
      assert.equal(logs.filter((l) => /mqtt fast-device: a line rate-limited/.test(l)).length, 1);
      viewer.socket.close();
    } finally {
      await limited.close();
    }
  });

  it('reconnects to the broker on its own after it restarts', async () => {
    const second = await startBroker();
    const port = Number(new URL(second.url).port);
    const relay2 = await createRelay({ port: 0, mqtt: { url: second.url, topic: 'site/+/+' }, log: () => undefined });
    await relay2.mqtt?.ready();
    await second.close();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // The broker back on the same port: the bridge connects and subscribes again.
    const again = await Aedes.createBroker();
    const server = net.createServer(again.handle);
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', () => resolve()));
    const viewer = await wsSubscribe(relay2.url, 'token=dev9');
    await viewer.until((e) => e.some((x) => x.type === 'ready'));
    const client = await mqtt.connectAsync(`mqtt://127.0.0.1:${port}`);
    await eventually(async () => {
      await client.publishAsync('site/hall/dev9', '{"y": 1}');
      return viewer.messages.length > 0;
    }, 'a message through the reconnected bridge');
    await client.endAsync();
    viewer.socket.close();
    await relay2.close();
    server.close();
    await new Promise<void>((resolve) => again.close(() => resolve()));
  });
});
