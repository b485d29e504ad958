/**
 * A browser that opens the studio gets the newest preview picture as soon as its socket opens, not
 * after the compositor makes the next one: the first picture a new browser receives is one the studio
 * already had when the socket opened, not a later one.
 */
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { decodePreview } from '../../electron/contract-wire.js';
import { StudioServer } from '../../electron/remote/server.js';
import { tmpDir } from '../helpers/fixtures.js';
import { until } from '../helpers/wait.js';

let server: StudioServer | undefined;
const sockets: WebSocket[] = [];
afterAll(async () => {
  for (const ws of sockets) ws.terminate();
  await server?.stop();
});

/** The seq of each picture a socket receives, from the moment it is created. */
function watch(url: string, onOpen: () => void = () => undefined): { ws: WebSocket; seqs: number[] } {
  const ws = new WebSocket(url);
  const seqs: number[] = [];
  ws.once('open', onOpen);
  // The server closing at the end resets the connection: not a failure of the test.
  ws.on('error', () => undefined);
  ws.on('message', (data: Buffer, isBinary) => {
    const picture = isBinary ? decodePreview(new Uint8Array(data)) : undefined;
    if (picture) seqs.push(picture.seq);
  });
  sockets.push(ws);
  return { ws, seqs };
}

it('a browser that connects gets the newest picture at once', async () => {
  server = new StudioServer({
    profileDir: join(tmpDir('serve-first-picture'), `profile-${process.pid}`),
    port: 0,
    rendererDir: join(tmpDir('serve-first-picture'), 'no-renderer'),
    studio: { cacheDir: tmpDir('serve-cache'), preview: { width: 320, height: 180, fps: 2 } },
  });
  const { url } = await server.start();
  const wsUrl = `ws://${new URL(url).host}/ws?token=${server.token}`;
  const first = watch(wsUrl);
  await until(() => first.seqs.length >= 1, 30_000);

  let newestAtOpen = -1;
  const second = watch(wsUrl, () => (newestAtOpen = server!.studio.latestPreview!.seq));
  await until(() => second.seqs.length >= 1, 30_000);
  // Pictures come every half second: without the newest one sent at once, the first would be a later one.
  expect(second.seqs[0]).toBeLessThanOrEqual(newestAtOpen);
}, 60_000);
