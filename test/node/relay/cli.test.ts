import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { get, openIngest, post, wsSubscribe } from '../../support/relay-clients.js';
import { selfSignedCertificate } from '../../../scripts/certificate.js';
import { RedisServer, skipWithoutRedis } from '../../../scripts/redis-server.js';

describe('plotly-stream-relay (the CLI)', () => {
  const cli = (args: string[]) =>
    spawn(process.execPath, ['--import', 'tsx', 'src/relay/cli.ts', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const output = (child: ReturnType<typeof cli>) =>
    new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d));
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      child.on('close', (code) => resolve({ code, stdout, stderr }));
    });

  it('--help lists the options', async () => {
    const { code, stdout } = await output(cli(['--help']));
    assert.equal(code, 0);
    for (const option of ['--port', '--host', '--history', '--idle-timeout', '--keys', '--rate-limit'])
      assert.ok(stdout.includes(option), option);
  });

  it('refuses bad options with exit code 2 and says why', async () => {
    const unknown = await output(cli(['--nope']));
    assert.equal(unknown.code, 2);
    assert.match(unknown.stderr, /--nope/);
    const size = await output(cli(['--max-line', 'huge']));
    assert.equal(size.code, 2);
    assert.match(size.stderr, /--max-line must be a size/);
    const mqttScheme = await output(cli(['--mqtt', 'http://broker:1883']));
    assert.equal(mqttScheme.code, 2);
    assert.match(mqttScheme.stderr, /--mqtt needs a broker URL/);
    const topicAlone = await output(cli(['--mqtt-topic', 'plotly/+']));
    assert.equal(topicAlone.code, 2);
    assert.match(topicAlone.stderr, /--mqtt-topic needs --mqtt/);
    const withWorkers = await output(cli(['--mqtt', 'mqtt://broker', '--workers', '2', '--redis', 'redis://x']));
    assert.equal(withWorkers.code, 2);
    assert.match(withWorkers.stderr, /--mqtt takes one relay process/);
    for (const growth of ['lots', '2.5', '1001']) {
      const heap = await output(cli(['--heap-growth', growth]));
      assert.equal(heap.code, 2, growth);
      assert.match(heap.stderr, /--heap-growth must be a (whole percent from 0 to 1000|number)/, growth);
    }
  });

  it('starts, serves, and shuts down cleanly on SIGTERM', async () => {
    const child = cli(['--port', '0', '--idle-timeout', '30', '--history', '10']);
    const done = output(child);
    const url = await new Promise<string>((resolve) => {
      let text = '';
      child.stderr.on('data', (d: Buffer) => {
        text += d;
        const match = /listening on (http:\/\/\S+)/.exec(text);
        if (match) resolve(match[1] as string);
      });
    });
    const health = await get(`${url}/healthz`);
    assert.equal(health.status, 200);
    const producer = openIngest(`${url}/`, { 'plotly-streamtoken': 'cli' });
    producer.write('{"y": 1}\n');
    await new Promise((r) => setTimeout(r, 50));
    child.kill('SIGTERM');
    assert.equal((await producer.result).status, 503);
    const { code, stderr } = await done;
    assert.equal(code, 0);
    assert.match(stderr, /SIGTERM, closing/);
  });

  it('takes write keys from PLOTLY_STREAM_KEYS', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/relay/cli.ts', '--port', '0'], {
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, PLOTLY_STREAM_KEYS: 'sec=k1' },
    });
    const url = await new Promise<string>((resolve) => {
      let text = '';
      child.stderr.on('data', (d: Buffer) => {
        text += d;
        const match = /listening on (http:\/\/\S+)/.exec(text);
        if (match && /write keys: required for sec/.test(text)) resolve(match[1] as string);
      });
    });
    const { post } = await import('../../support/relay-clients.js');
    assert.equal((await post(`${url}/`, '{"y": 1}\n', { 'plotly-streamtoken': 'sec' })).status, 401);
    assert.equal(
      (await post(`${url}/`, '{"y": 1}\n', { 'plotly-streamtoken': 'sec', 'plotly-streamkey': 'k1' })).status,
      200,
    );
    child.kill('SIGTERM');
    await new Promise((r) => child.on('close', r));
  });

  it('an unreachable Redis is one line on stderr and exit code 2, before anything listens', async () => {
    const { code, stderr } = await output(cli(['--port', '0', '--redis', 'redis://:pw@127.0.0.1:1']));
    assert.equal(code, 2);
    assert.equal(stderr.trim().split('\n').length, 1, stderr);
    assert.match(
      stderr,
      /^plotly-stream-relay: cannot reach Redis at redis:\/\/:\*\*\*@127\.0\.0\.1:1\/?: .*ECONNREFUSED/,
    );
    const prefixAlone = await output(cli(['--redis-prefix', 'x:']));
    assert.equal(prefixAlone.code, 2);
    assert.match(prefixAlone.stderr, /--redis-prefix needs --redis/);
  });

  it('takes Redis from PLOTLY_STREAM_REDIS, with --redis-prefix', { skip: skipWithoutRedis }, async () => {
    const redis = await RedisServer.start();
    try {
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/relay/cli.ts', '--port', '0', '--redis-prefix', 'cli:'],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, PLOTLY_STREAM_REDIS: redis.url },
        },
      );
      const url = await new Promise<string>((resolve) => {
        let text = '';
        child.stderr.on('data', (d: Buffer) => {
          text += d;
          const match = /listening on (http:\/\/\S+)/.exec(text);
          if (match && /engine: +Redis \(redis:\/\/127\.0\.0\.1/.test(text)) resolve(match[1] as string);
        });
      });
      assert.deepEqual(JSON.parse((await get(`${url}/healthz`)).body), { status: 'ok', engine: 'redis' });
      const producer = openIngest(`${url}/`, { 'plotly-streamtoken': 'cli' });
      producer.write('{"y": 1}\n');
      producer.end();
      assert.equal(JSON.parse((await producer.result).body).accepted, 1);
      child.kill('SIGTERM');
      await new Promise((resolve) => child.on('close', resolve));
    } finally {
      await redis.stop();
    }
  });

  it(
    '--workers 2: two relays on one port, either serves; a worker that dies is replaced; SIGTERM stops them all',
    { skip: skipWithoutRedis, timeout: 60_000 },
    async () => {
      const redis = await RedisServer.start();
      const child = spawn(
        process.execPath,
        ['--import', 'tsx', 'src/relay/cli.ts', '--port', '0', '--workers', '2', '--redis', redis.url],
        {
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let stderr = '';
      const said = (pattern: RegExp) =>
        new Promise<RegExpExecArray>((resolve) => {
          const look = () => {
            const match = pattern.exec(stderr);
            if (!match) return false;
            child.stderr.off('data', look);
            resolve(match);
            return true;
          };
          if (!look()) child.stderr.on('data', look);
        });
      child.stderr.on('data', (d: Buffer) => (stderr += d));
      const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
      try {
        const url = (await said(/listening on (http:\/\/\S+)[\s\S]*engine: +Redis .*, 2 workers/))[1] as string;
        // A new connection each time: the primary hands connections to the workers in turn.
        const workerOf = () =>
          new Promise<number>((resolve, reject) =>
            http
              .get(`${url}/healthz`, { agent: false, timeout: 2000 }, (res) => {
                let body = '';
                res.on('data', (d: Buffer) => (body += d));
                res.on('end', () => resolve(JSON.parse(body).worker));
              })
              .on('timeout', function (this: http.ClientRequest) {
                this.destroy(new Error('no answer'));
              })
              .on('error', reject),
          );
        const bothAnswer = async () => {
          const seen = new Set<number>();
          // A connection handed to a worker as it dies gets no answer: ask again.
          for (let i = 0; i < 40 && seen.size < 2; i++) {
            const worker = await workerOf().catch(() => null);
            if (worker !== null) seen.add(worker);
          }
          return seen;
        };
        assert.equal((await bothAnswer()).size, 2, 'both workers answer');
        const viewers = await Promise.all([1, 2, 3, 4].map(() => wsSubscribe(url, 'token=workers')));
        await Promise.all(viewers.map((viewer) => viewer.until((e) => e.some((x) => x.type === 'ready'))));
        assert.equal((await post(`${url}/`, '{"y": 1}\n{"y": 2}\n', { 'plotly-streamtoken': 'workers' })).status, 200);
        await Promise.all(viewers.map((viewer) => viewer.untilMessages(2)));
        for (const viewer of viewers) viewer.socket.close();

        // The primary's worker processes (not, say, the esbuild service tsx may start; ps exits 1 when none).
        const workers = () =>
          spawnSync('ps', ['-o', 'pid=,args=', '--ppid', String(child.pid)], { encoding: 'utf8' })
            .stdout.split('\n')
            .filter((line) => line.includes('src/relay/cli.ts'))
            .map((line) => line.trim().split(/\s+/)[0] as string);
        const [victim] = workers();
        process.kill(Number(victim), 'SIGKILL');
        await said(/worker \d+ \(pid \d+\) exited \(SIGKILL\); starting another/);
        const deadline = Date.now() + 15_000;
        while ((await bothAnswer()).size < 2 || workers().includes(victim as string)) {
          assert.ok(Date.now() < deadline, "a new worker took the dead one's place");
        }

        child.kill('SIGTERM');
        assert.equal(await exited, 0, stderr);
        assert.match(stderr, /SIGTERM, closing 2 workers/);
        assert.equal(workers().length, 0, 'no worker left behind');
      } finally {
        child.kill('SIGKILL');
        await redis.stop();
      }
    },
  );

  /** Starts the CLI and resolves with the URL it listens on. */
  const started = (child: ReturnType<typeof cli>) =>
    new Promise<string>((resolve) => {
      let text = '';
      child.stderr.on('data', (d: Buffer) => {
        text += d;
        const match = /listening on (https?:\/\/\S+)/.exec(text);
        if (match) resolve(match[1] as string);
      });
    });

  it('sign-read-token makes a token a relay with the same secret honours, over https and wss', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tls-'));
    const secret = 'a-read-secret-of-at-least-32-bytes!';
    const env = { ...process.env, PLOTLY_STREAM_READ_SECRET: secret };
    try {
      selfSignedCertificate(dir);
      const signed = spawnSync(
        process.execPath,
        ['--import', 'tsx', 'src/relay/cli.ts', 'sign-read-token', '--streams', 'a,room-*', '--expires', '1h'],
        { env, encoding: 'utf8' },
      );
      assert.equal(signed.status, 0, signed.stderr);
      const jwt = signed.stdout.trim();
      assert.match(jwt, /^[\w-]+\.[\w-]+\.[\w-]+$/);
      const child = spawn(
        process.execPath,
        [
          '--import',
          'tsx',
          'src/relay/cli.ts',
          '--port',
          '0',
          '--tls-cert',
          join(dir, 'cert.pem'),
          '--tls-key',
          join(dir, 'key.pem'),
          '--plain-port',
          '0',
        ],
        { env, stdio: ['ignore', 'pipe', 'pipe'] },
      );
      const done = output(child);
      const url = await started(child);
      assert.match(url, /^https:/);
      const ca = readFileSync(join(dir, 'cert.pem'));
      const sse = (query: string) =>
        new Promise<number>((resolve, reject) =>
          https
            .get(
              `${url}/subscribe?${query}`,
              { ca, servername: 'localhost', headers: { accept: 'text/event-stream' } },
              (res) => {
                res.destroy();
                resolve(res.statusCode ?? 0);
              },
            )
            .on('error', reject),
        );
      assert.equal(await sse(`token=room-1&access_token=${jwt}`), 200);
      assert.equal(await sse(`token=b&access_token=${jwt}`), 403);
      assert.equal(await sse('token=a'), 401);
      const viewer = await wsSubscribe(url, `token=a&access_token=${jwt}`);
      await viewer.until((e) => e.some((x) => x.type === 'ready'));
      viewer.socket.close();
      child.kill('SIGTERM');
      const { stderr } = await done;
      assert.match(stderr, /reading: +private/);
      const plain = /plain: +(http:\/\/\S+) too/.exec(stderr)?.[1];
      assert.ok(plain !== undefined && plain !== url.replace('https', 'http'), stderr);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses access options that cannot work, with one line and exit code 2', async () => {
    for (const [args, env, message] of [
      [['--read-secret', 'short'], {}, /at least 32 bytes/],
      [['--allow-origin', 'example.com'], {}, /"example.com" is not an origin/],
      [['--tls-cert', 'x.pem'], {}, /--tls-cert and --tls-key go together/],
      [['--plain-port', '80'], {}, /--plain-port goes with --tls-cert/],
      [['--read-public-key', '/nonexistent.pem'], {}, /--read-public-key: cannot read \/nonexistent\.pem \(ENOENT\)/],
      [['sign-read-token', '--streams', 'a'], { PLOTLY_STREAM_READ_SECRET: 'x'.repeat(32) }, /needs --expires/],
      [['sign-read-token', '--streams', 'a', '--expires', '1h'], { PLOTLY_STREAM_READ_SECRET: '' }, /needs the secret/],
      [
        ['sign-read-token', '--streams', 'a', '--expires', 'soon'],
        { PLOTLY_STREAM_READ_SECRET: 'x'.repeat(32) },
        /--expires must be/,
      ],
    ] as const) {
      const relayArgs = args[0] === 'sign-read-token' ? args : ['--port', '0', ...args];
      const child = spawn(process.execPath, ['--import', 'tsx', 'src/relay/cli.ts', ...relayArgs], {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const { code, stderr } = await output(child);
      assert.equal(code, 2, `${args.join(' ')}: ${stderr}`);
      assert.match(stderr, message);
      assert.ok(!/\n\s+at /.test(stderr), `no stack trace: ${stderr}`);
    }
  });

  it('--workers without Redis is refused', async () => {
    const { code, stderr } = await output(cli(['--workers', '2']));
    assert.equal(code, 2);
    assert.match(stderr, /--workers needs --redis/);
  });
});
