// Real RTMP servers for the RTMP client's integration tests: nginx-rtmp, node-media-server, FFmpeg's own
// `-listen` mode, and stunnel as a TLS front (RTMPS). Every server listens on 127.0.0.1 only, on a port
// picked at run time, keeps its files in its own directory under test/.tmp/servers, and is a child of
// this process: stop() ends it, and a process 'exit' hook kills whatever a test forgot.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { freePort } from '../../electron/engine/scenes/control.js';
import { TMP_ROOT, tmpDir } from './fixtures.js';

/** What a server told us about one publish attempt. */
export interface PublishAttempt {
  app: string;
  key: string;
  /** false when the server refused the stream key. */
  accepted: boolean;
}

export interface RtmpTestServer {
  name: string;
  port: number;
  /** rtmp://127.0.0.1:PORT/app/key */
  url(app: string, key: string): string;
  /**
   * Path of the FLV recorded for that stream key once the publisher is gone (the latest publish of that
   * key); waits, bounded, until the server has finished writing it.
   */
  recording(key: string): Promise<string>;
  /**
   * Stream keys that tried to publish and what happened (for refused-key tests), in arrival order, where
   * the server lets us know: nginx-rtmp and node-media-server do; FFmpeg's `-listen` does not (empty).
   */
  publishAttempts(): Promise<PublishAttempt[]>;
  stop(): Promise<void>;
}

export interface TlsTunnel {
  port: number;
  /** The CA that signed the tunnel's certificate (for `localhost` and 127.0.0.1). */
  caFile: string;
  /** rtmps://localhost:PORT/app/key */
  url(app: string, key: string): string;
  stop(): Promise<void>;
}

const RECORDING_TIMEOUT_MS = 10_000;
const START_TIMEOUT_MS = 10_000;
const STOP_GRACE_MS = 3_000;
const START_ATTEMPTS = 3;

// ---------------------------------------------------------------------------------------------------------
// Ports and child processes

/** A free loopback port, as the compositor's control channel picks one. */
export { freePort };

/** Children still running; killed when this process exits, whatever the tests did. */
const liveChildren = new Set<ChildProcess>();
let exitHookInstalled = false;

function killAllChildren(): void {
  for (const child of liveChildren) {
    try {
      child.kill('SIGKILL');
    } catch {
      // already gone
    }
  }
}

/**
 * Vitest ends its fork workers with SIGTERM, which skips 'exit' handlers: kill the children on the usual
 * termination signals too, then let the signal do what it would have done without us.
 */
function onTerminationSignal(signal: NodeJS.Signals): void {
  killAllChildren();
  process.removeListener(signal, onTerminationSignal);
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
}

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', killAllChildren);
  for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) process.on(signal, onTerminationSignal);
}

interface TrackedChild {
  process: ChildProcess;
  /** Resolves with the exit code (null when killed by a signal) once the child has exited. */
  exited: Promise<number | null>;
  hasExited(): boolean;
  /** The last few KB of stderr, for error messages. */
  stderrTail(): string;
}

function spawnTracked(command: string, args: string[], options: { cwd?: string; ipc?: boolean } = {}): TrackedChild {
  installExitHook();
  const child = spawn(command, args, {
    cwd: options.cwd,
    stdio: options.ipc ? ['ignore', 'ignore', 'pipe', 'ipc'] : ['ignore', 'ignore', 'pipe'],
  });
  liveChildren.add(child);
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-8192);
  });
  let done = false;
  const exited = new Promise<number | null>((resolve) => {
    child.on('error', (error) => {
      stderr += `\n${error.message}`;
      done = true;
      liveChildren.delete(child);
      resolve(null);
    });
    child.on('exit', (code) => {
      done = true;
      liveChildren.delete(child);
      resolve(code);
    });
  });
  return { process: child, exited, hasExited: () => done, stderrTail: () => stderr.trim() };
}

async function stopChild(child: TrackedChild, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (child.hasExited()) return;
  child.process.kill(signal);
  const timer = setTimeout(() => child.process.kill('SIGKILL'), STOP_GRACE_MS);
  await child.exited;
  clearTimeout(timer);
}

/**
 * Whether something listens on 127.0.0.1:port (or on all addresses), read from /proc/net/tcp so that
 * a server that accepts a single connection (ffmpeg -listen) is not consumed by the check.
 */
function isListening(port: number): boolean {
  const hexPort = port.toString(16).toUpperCase().padStart(4, '0');
  const wanted = new Set([`0100007F:${hexPort}`, `00000000:${hexPort}`]);
  let table: string;
  try {
    table = readFileSync('/proc/net/tcp', 'utf8');
  } catch {
    return false;
  }
  for (const line of table.split('\n').slice(1)) {
    const fields = line.trim().split(/\s+/);
    const local = fields[1];
    const state = fields[3];
    if (local !== undefined && state === '0A' && wanted.has(local)) return true;
  }
  return false;
}

async function waitForListen(name: string, child: TrackedChild, ports: number[]): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  while (!ports.every(isListening)) {
    if (child.hasExited()) throw new Error(`${name} exited before listening: ${child.stderrTail()}`);
    if (Date.now() > deadline) throw new Error(`${name} did not listen on ${ports.join(', ')} within ${START_TIMEOUT_MS} ms`);
    await sleep(25);
  }
}

/** A fresh directory for one server instance; removed by stop() unless UPLINK_KEEP_SERVER_TMP is set. */
function instanceDir(kind: string): string {
  return mkdtempSync(join(tmpDir('servers'), `${kind}-`));
}

function removeInstanceDir(dir: string): void {
  if (process.env['UPLINK_KEEP_SERVER_TMP']) return;
  rmSync(dir, { recursive: true, force: true });
}

/** Retries a start when the port picked by freePort() was taken by someone else in the meantime. */
async function withPortRetries<T>(start: () => Promise<T>): Promise<T> {
  let lastError: unknown;
  for (let attempt = 0; attempt < START_ATTEMPTS; attempt++) {
    try {
      return await start();
    } catch (error) {
      lastError = error;
    }
  }
  throw lastError;
}

async function pollUntil<T>(what: string, timeoutMs: number, probe: () => T | undefined | Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(50);
  }
}

function rtmpUrl(port: number, app: string, key: string): string {
  return `rtmp://127.0.0.1:${port}/${app}/${key}`;
}

// ---------------------------------------------------------------------------------------------------------
// nginx-rtmp

const NGINX_RTMP_MODULE_CANDIDATES = [
  '/usr/lib/nginx/modules/ngx_rtmp_module.so',
  '/usr/share/nginx/modules/ngx_rtmp_module.so',
  '/usr/lib64/nginx/modules/ngx_rtmp_module.so',
];

function nginxRtmpModule(): string {
  const found = NGINX_RTMP_MODULE_CANDIDATES.find((path) => existsSync(path));
  if (!found) throw new Error('ngx_rtmp_module.so not found: install libnginx-mod-rtmp');
  return found;
}

/** Keys go into nginx's config verbatim, so they are limited to what needs no quoting. */
const SAFE_KEY = /^[A-Za-z0-9_.-]+$/;

function nginxConfig(options: {
  dir: string;
  rtmpPort: number;
  httpPort: number;
  chunkSize: number;
  apps: string[];
  record: boolean;
  allowedKeys?: string[];
  dropIdlePublisherSec?: number;
}): string {
  const { dir, rtmpPort, httpPort, chunkSize, allowedKeys } = options;
  const keyLines = (allowedKeys ?? []).map((key) => `    "${key}" 1;`).join('\n');
  const applications = options.apps
    .map((app) => {
      const recording = options.record
        ? `
      record all;
      record_path ${dir}/record/${app};
      record_unique off;
      on_record_done http://127.0.0.1:${httpPort}/record_done;`
        : `
      record off;`;
      const idle = options.dropIdlePublisherSec === undefined ? '' : `
      drop_idle_publisher ${options.dropIdlePublisherSec}s;`;
      return `    application ${app} {
      live on;${idle}${recording}
      on_publish http://127.0.0.1:${httpPort}/publish;
    }`;
    })
    .join('\n');
  return `load_module ${nginxRtmpModule()};
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 128; }

rtmp {
  server {
    listen 127.0.0.1:${rtmpPort};
    chunk_size ${chunkSize};
    # The default (1 MB) cuts publishers of high-bitrate 1080p, whose keyframes pass 1 MB.
    max_message 16M;
    # GET puts the call's fields in the query string, where the http block below can read and log them.
    notify_method get;
${applications}
  }
}

http {
  access_log off;
  client_body_temp_path ${dir}/http-body;
  proxy_temp_path ${dir}/http-proxy;
  fastcgi_temp_path ${dir}/http-fastcgi;
  uwsgi_temp_path ${dir}/http-uwsgi;
  scgi_temp_path ${dir}/http-scgi;
  # One JSON line per notification: how the tests learn what nginx-rtmp did.
  log_format uplink_notify escape=json '{"uri":"$uri","args":"$args","status":$status}';
  map $arg_name $uplink_publish_allowed {
    default ${allowedKeys ? 0 : 1};
${keyLines}
  }
  server {
    listen 127.0.0.1:${httpPort};
    access_log ${dir}/notify.log uplink_notify;
    location = /publish {
      if ($uplink_publish_allowed = 0) { return 403; }
      return 200;
    }
    location = /record_done { return 200; }
    location / { return 404; }
  }
}
`;
}

interface NginxNotification {
  uri: string;
  status: number;
  args: URLSearchParams;
}

function readNginxNotifications(file: string): NginxNotification[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return [];
  }
  const notifications: NginxNotification[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    try {
      const entry = JSON.parse(line) as { uri?: unknown; args?: unknown; status?: unknown };
      if (typeof entry.uri !== 'string' || typeof entry.args !== 'string' || typeof entry.status !== 'number') continue;
      notifications.push({ uri: entry.uri, status: entry.status, args: new URLSearchParams(entry.args) });
    } catch {
      // a line being written right now; read again on the next poll
    }
  }
  return notifications;
}

export interface NginxRtmpOptions {
  /** Only these stream keys may publish (checked by on_publish); default: any key. */
  allowedKeys?: string[];
  /** nginx-rtmp's outgoing chunk size; default 4096 (nginx-rtmp's own default). */
  chunkSize?: number;
  /** RTMP applications to serve; default ['app', 'live']. Any other app is refused by nginx-rtmp. */
  apps?: string[];
  /** Record every stream (default true); off for benchmarks, where recording() then rejects. */
  record?: boolean;
  /**
   * How long nginx-rtmp keeps a publisher that sends nothing (drop_idle_publisher); default: until its
   * socket timeout (60 s). Until then a new publish of the same key is refused "Already publishing".
   */
  dropIdlePublisherSec?: number;
}

/**
 * nginx-rtmp with its own config in a tmp dir; each application records every stream to
 * `record/APP/KEY.flv` (a new publish of a key overwrites it). Every publish asks the same nginx's http block (on_publish), which answers 403 to a
 * key not in `allowedKeys` when given: nginx-rtmp then closes the TCP connection right after the client's
 * `publish` command, without any onStatus message.
 */
export async function startNginxRtmp(options: NginxRtmpOptions = {}): Promise<RtmpTestServer> {
  const apps = options.apps ?? ['app', 'live'];
  for (const name of [...apps, ...(options.allowedKeys ?? [])]) {
    if (!SAFE_KEY.test(name)) throw new Error(`nginx-rtmp: "${name}" must match ${SAFE_KEY}`);
  }
  return withPortRetries(async () => {
    const dir = instanceDir('nginx');
    for (const app of apps) mkdirSync(join(dir, 'record', app), { recursive: true });
    const rtmpPort = await freePort();
    let httpPort = await freePort();
    while (httpPort === rtmpPort) httpPort = await freePort();
    const configFile = join(dir, 'nginx.conf');
    const config = { dir, rtmpPort, httpPort, chunkSize: options.chunkSize ?? 4096, apps, record: options.record ?? true, dropIdlePublisherSec: options.dropIdlePublisherSec };
    writeFileSync(configFile, nginxConfig(options.allowedKeys ? { ...config, allowedKeys: options.allowedKeys } : config));
    const child = spawnTracked('nginx', ['-p', dir, '-c', configFile, '-e', join(dir, 'error.log')], { cwd: dir });
    try {
      await waitForListen('nginx', child, [rtmpPort, httpPort]);
    } catch (error) {
      await stopChild(child, 'SIGKILL');
      const log = existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8').slice(-2000) : '';
      removeInstanceDir(dir);
      throw new Error(`${(error as Error).message}\n${log}`);
    }
    const notifyLog = join(dir, 'notify.log');
    const notifications = () => readNginxNotifications(notifyLog);
    return {
      name: 'nginx-rtmp',
      port: rtmpPort,
      url: (app, key) => rtmpUrl(rtmpPort, app, key),
      async publishAttempts() {
        return notifications()
          .filter((n) => n.uri === '/publish')
          .map((n) => ({ app: n.args.get('app') ?? '', key: n.args.get('name') ?? '', accepted: n.status >= 200 && n.status < 300 }));
      },
      async recording(key) {
        if (!config.record) throw new Error('this nginx-rtmp was started with record: false');
        // Done once every accepted publish of that key has had its record_done (file closed by nginx).
        return pollUntil(`nginx-rtmp to finish recording "${key}"`, RECORDING_TIMEOUT_MS, () => {
          const all = notifications().filter((n) => n.args.get('name') === key);
          const published = all.filter((n) => n.uri === '/publish' && n.status === 200).length;
          const done = all.filter((n) => n.uri === '/record_done');
          const last = done.at(-1);
          if (last === undefined || done.length < published) return undefined;
          const path = last.args.get('path');
          if (!path) throw new Error(`nginx-rtmp reported no path for "${key}"`);
          return path;
        });
      },
      async stop() {
        await stopChild(child);
        removeInstanceDir(dir);
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// node-media-server

export interface NodeMediaServerOptions {
  /** Only these stream keys may publish; others are refused by node-media-server's own publish auth. */
  allowedKeys?: string[];
  /**
   * How long node-media-server keeps a publish open after its publisher left, waiting for the same client
   * to resume into the same recording (its default is 30 s). Default here 0: a recording ends with its
   * publisher.
   */
  publishGraceMs?: number;
}

/** Messages from the node-media-server child (see NMS_CHILD_SCRIPT). */
type NmsMessage =
  | { type: 'listening' }
  | { type: 'publish'; app: string; key: string; accepted: boolean }
  | { type: 'recordStart'; app: string; key: string; file: string }
  | { type: 'recordDone'; app: string; key: string; file: string };

function isNmsMessage(value: unknown): value is NmsMessage {
  return typeof value === 'object' && value !== null && typeof (value as { type?: unknown }).type === 'string';
}

/**
 * Runs in its own Node process (CommonJS, `node -e`). node-media-server 4.4.3 cannot run twice in one
 * process: its state is a module singleton (Context), and after stop() the store listeners of the old
 * instance stay on the shared emitter and throw "store is closed" on the next instance's first recording.
 * It also calls process.exit(1) when its port is taken. A child per server keeps all of that away from
 * the test worker and lets several servers run at once.
 *
 * Refused keys go through node-media-server's own publish authentication (auth.publish with a secret):
 * allowed keys get a valid `sign` added in the prePublish event (emitted just before the check), others
 * fail it like a real unsigned publish would.
 */
const NMS_CHILD_SCRIPT = String.raw`
const crypto = require('node:crypto');
const cfg = JSON.parse(process.argv[1]);
const logger = require(cfg.loggerPath);
// The constructor forces the level to "debug"; the tests want errors only.
Object.defineProperty(logger, 'level', { get: () => 'error', set: () => {} });
const NodeMediaServer = require(cfg.nmsPath);
const secret = crypto.randomBytes(16).toString('hex');
const config = {
  bind: '127.0.0.1',
  rtmp: { port: cfg.port },
  record: { path: cfg.recordPath, auto: true },
  store: { path: cfg.dataPath },
  webadmin: { enable: false },
};
if (cfg.allowedKeys) config.auth = { publish: true, play: false, secret };
const nms = new NodeMediaServer(config, null);
const send = (message) => { if (process.connected) process.send(message); };
nms.on('prePublish', (session) => {
  const accepted = !cfg.allowedKeys || cfg.allowedKeys.includes(session.streamName);
  if (cfg.allowedKeys && accepted) {
    const exp = Math.floor(Date.now() / 1000) + 3600;
    const hash = crypto.createHash('md5').update(session.streamPath + '-' + exp + '-' + secret).digest('hex');
    session.streamQuery = Object.assign({}, session.streamQuery, { sign: exp + '-' + hash });
  }
  send({ type: 'publish', app: session.streamApp, key: session.streamName, accepted });
});
nms.on('postPublish', (session) => {
  if (session.broadcast) session.broadcast.publishGraceMs = cfg.publishGraceMs;
});
nms.on('postRecord', (session) => {
  send({ type: 'recordStart', app: session.streamApp, key: session.streamName, file: session.filePath });
});
nms.on('doneRecord', (session) => {
  // doneRecord is emitted right after fileStream.close(); the file is complete on its 'close'.
  const done = () => send({ type: 'recordDone', app: session.streamApp, key: session.streamName, file: session.filePath });
  if (session.fileStream.closed) done(); else session.fileStream.once('close', done);
});
let stopping = false;
const stop = async () => {
  if (stopping) return;
  stopping = true;
  try { await nms.stop(); } finally { process.exit(0); }
};
process.on('message', (message) => { if (message && message.type === 'stop') stop(); });
process.on('disconnect', stop);
nms.run();
const server = nms.rtmpServer.tcpServer;
if (server.listening) send({ type: 'listening' }); else server.once('listening', () => send({ type: 'listening' }));
`;

/**
 * node-media-server 4.x in a child Node process, recording every published stream (`record/APP/KEY/T.flv`).
 * What a refused publisher sees: node-media-server answers `publish` with NetStream.Publish.Start first,
 * then checks auth and ends the socket (FIN) without any error status; it keeps reading what the client
 * sends, so a client that only writes may not notice before it reads.
 * Stream keys and app names must match /^[a-zA-Z0-9_-]+$/ or node-media-server drops the connection.
 */
export async function startNodeMediaServer(options: NodeMediaServerOptions = {}): Promise<RtmpTestServer> {
  const require = createRequire(import.meta.url);
  const nmsPath = require.resolve('node-media-server');
  const loggerPath = join(nmsPath, '..', 'core', 'logger.js');
  return withPortRetries(async () => {
    const dir = instanceDir('nms');
    const port = await freePort();
    const childConfig = {
      nmsPath,
      loggerPath,
      port,
      recordPath: join(dir, 'record'),
      dataPath: join(dir, 'data'),
      allowedKeys: options.allowedKeys ?? null,
      publishGraceMs: options.publishGraceMs ?? 0,
    };
    const child = spawnTracked(process.execPath, ['-e', NMS_CHILD_SCRIPT, JSON.stringify(childConfig)], { cwd: dir, ipc: true });

    const attempts: PublishAttempt[] = [];
    /** Per key: recordings started and finished, in order. */
    const started = new Map<string, string[]>();
    const finished = new Map<string, string[]>();
    let listening = false;
    child.process.on('message', (message: unknown) => {
      if (!isNmsMessage(message)) return;
      switch (message.type) {
        case 'listening':
          listening = true;
          break;
        case 'publish':
          attempts.push({ app: message.app, key: message.key, accepted: message.accepted });
          break;
        case 'recordStart':
          started.set(message.key, [...(started.get(message.key) ?? []), message.file]);
          break;
        case 'recordDone':
          finished.set(message.key, [...(finished.get(message.key) ?? []), message.file]);
          break;
      }
    });

    try {
      await pollUntil('node-media-server to listen', START_TIMEOUT_MS, () => {
        if (child.hasExited()) throw new Error(`node-media-server exited before listening: ${child.stderrTail()}`);
        return listening ? true : undefined;
      });
    } catch (error) {
      await stopChild(child, 'SIGKILL');
      removeInstanceDir(dir);
      throw error;
    }

    return {
      name: 'node-media-server',
      port,
      url: (app, key) => rtmpUrl(port, app, key),
      async publishAttempts() {
        return [...attempts];
      },
      async recording(key) {
        const bound = RECORDING_TIMEOUT_MS + (options.publishGraceMs ?? 0);
        return pollUntil(`node-media-server to finish recording "${key}"`, bound, () => {
          const done = finished.get(key) ?? [];
          const last = done.at(-1);
          if (last === undefined || done.length < (started.get(key) ?? []).length) return undefined;
          return last;
        });
      },
      async stop() {
        if (!child.hasExited() && child.process.connected) {
          child.process.send({ type: 'stop' });
          const timer = setTimeout(() => child.process.kill('SIGKILL'), STOP_GRACE_MS);
          await child.exited;
          clearTimeout(timer);
        } else {
          await stopChild(child);
        }
        removeInstanceDir(dir);
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// ffmpeg -listen

/**
 * FFmpeg as a one-connection RTMP server: `ffmpeg -listen 1 -i rtmp://127.0.0.1:PORT/app/key -c copy
 * out.flv`. Resolves once the port is in LISTEN state (read from /proc, never by connecting: the first
 * connection is the only one it serves). FFmpeg gives up if nobody connects within `listenTimeoutSec`.
 */
export async function startFfmpegListen(options: { app: string; key: string; listenTimeoutSec?: number }): Promise<RtmpTestServer> {
  return withPortRetries(async () => {
    const dir = instanceDir('ffmpeg-listen');
    const port = await freePort();
    const out = join(dir, 'out.flv');
    const args = ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y'];
    args.push('-listen', '1', '-timeout', String(options.listenTimeoutSec ?? 60));
    args.push('-i', rtmpUrl(port, options.app, options.key), '-c', 'copy', '-f', 'flv', out);
    const child = spawnTracked('ffmpeg', args, { cwd: dir });
    try {
      await waitForListen('ffmpeg -listen', child, [port]);
    } catch (error) {
      await stopChild(child, 'SIGKILL');
      removeInstanceDir(dir);
      throw error;
    }
    return {
      name: 'ffmpeg-listen',
      port,
      url: (app, key) => rtmpUrl(port, app, key),
      async publishAttempts() {
        return [];
      },
      async recording(key) {
        if (key !== options.key) throw new Error(`ffmpeg -listen records only "${options.key}", not "${key}"`);
        const timeout = sleep(RECORDING_TIMEOUT_MS, 'timeout' as const);
        const result = await Promise.race([child.exited, timeout]);
        if (result === 'timeout') throw new Error(`ffmpeg -listen still running ${RECORDING_TIMEOUT_MS} ms later (publisher still connected?)`);
        if (!existsSync(out)) throw new Error(`ffmpeg -listen wrote no recording (exit ${result}): ${child.stderrTail()}`);
        return out;
      },
      async stop() {
        await stopChild(child);
        removeInstanceDir(dir);
      },
    };
  });
}

// ---------------------------------------------------------------------------------------------------------
// stunnel (TLS in front of a plain RTMP server)

interface TestCertificates {
  caFile: string;
  certFile: string;
  keyFile: string;
}

let certificates: Promise<TestCertificates> | undefined;

async function runOpenssl(args: string[], cwd: string): Promise<void> {
  const child = spawnTracked('openssl', args, { cwd });
  const code = await child.exited;
  if (code !== 0) throw new Error(`openssl ${args[0]} failed (${code}): ${child.stderrTail()}`);
}

/**
 * A test CA and a server certificate for `localhost` and 127.0.0.1, made once and kept in test/.tmp/tls.
 * Parallel workers may race: each writes a private directory and renames it into place; the loser's
 * rename fails and it uses the winner's files.
 */
function testCertificates(): Promise<TestCertificates> {
  certificates ??= (async () => {
    const dir = join(TMP_ROOT, 'tls');
    const files = { caFile: join(dir, 'ca.pem'), certFile: join(dir, 'server.pem'), keyFile: join(dir, 'server.key') };
    if (existsSync(files.keyFile)) return files;
    mkdirSync(TMP_ROOT, { recursive: true });
    const work = mkdtempSync(join(TMP_ROOT, 'tls-'));
    const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
    await runOpenssl(['req', '-x509', ...ec, '-days', '3650', '-subj', '/CN=Uplink Test CA',
      '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
      '-keyout', 'ca.key', '-out', 'ca.pem'], work);
    await runOpenssl(['req', '-new', ...ec, '-subj', '/CN=localhost', '-keyout', 'server.key', '-out', 'server.csr'], work);
    writeFileSync(join(work, 'server.ext'), [
      'basicConstraints=critical,CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      'extendedKeyUsage=serverAuth',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '',
    ].join('\n'));
    await runOpenssl(['x509', '-req', '-in', 'server.csr', '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial',
      '-days', '3650', '-extfile', 'server.ext', '-out', 'server.pem'], work);
    try {
      renameSync(work, dir);
    } catch {
      rmSync(work, { recursive: true, force: true });
    }
    if (!existsSync(files.keyFile)) throw new Error(`test certificates missing in ${dir}`);
    return files;
  })();
  certificates.catch(() => {
    certificates = undefined;
  });
  return certificates;
}

/** stunnel accepting TLS on 127.0.0.1:PORT and forwarding plain TCP to 127.0.0.1:targetPort. */
export async function startStunnel(options: { targetPort: number }): Promise<TlsTunnel> {
  const certs = await testCertificates();
  const binary = existsSync('/usr/bin/stunnel4') ? 'stunnel4' : 'stunnel';
  return withPortRetries(async () => {
    const dir = instanceDir('stunnel');
    const port = await freePort();
    const configFile = join(dir, 'stunnel.conf');
    writeFileSync(configFile, [
      'foreground = yes',
      `pid = ${join(dir, 'stunnel.pid')}`,
      `output = ${join(dir, 'stunnel.log')}`,
      'debug = notice',
      '[rtmps]',
      `accept = 127.0.0.1:${port}`,
      `connect = 127.0.0.1:${options.targetPort}`,
      `cert = ${certs.certFile}`,
      `key = ${certs.keyFile}`,
      '',
    ].join('\n'));
    const child = spawnTracked(binary, [configFile], { cwd: dir });
    try {
      await waitForListen('stunnel', child, [port]);
    } catch (error) {
      await stopChild(child, 'SIGKILL');
      removeInstanceDir(dir);
      throw error;
    }
    return {
      port,
      caFile: certs.caFile,
      url: (app, key) => `rtmps://localhost:${port}/${app}/${key}`,
      async stop() {
        await stopChild(child);
        removeInstanceDir(dir);
      },
    };
  });
}
