import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UplinkError } from '../../electron/engine/errors.js';
import { decodeAmf0 } from '../../electron/engine/rtmp/amf0.js';
import { RtmpPublisher } from '../../electron/engine/rtmp/publisher.js';
import { parseRtmpUrl } from '../../electron/engine/rtmp/url.js';
import { makeFlvFixture } from '../helpers/fixtures.js';
import { runUplink } from '../helpers/publish.js';
import { type CommandHandler, ScriptedRtmpServer } from '../helpers/scripted-server.js';

/** Keys that appear nowhere else, so that finding one in any output can only be a leak. */
const ECHOED_KEY = 'live_4242_echoedByTheServer';
const QUERY_PASSWORD = 'queryPassw0rd-xyz';

let server: ScriptedRtmpServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function serve(onCommand: CommandHandler): Promise<number> {
  server = new ScriptedRtmpServer(onCommand);
  return server.listen();
}

/** Refuses publish the way some ingests do: an error onStatus that quotes the publish name it got. */
const echoKeyInOnStatus: CommandHandler = (command, connection) => {
  if (command.name !== 'publish') return 'default';
  connection.sendCommand(1, 'onStatus', 0, null, {
    level: 'error',
    code: 'NetStream.Publish.BadName',
    description: `stream key "${String(command.args[0])}" is not valid`,
  });
  return 'handled';
};

/** Refuses connect with an _error that quotes the tcUrl, credentials in its query string included. */
const echoTcUrlInError: CommandHandler = (command, connection) => {
  if (command.name !== 'connect') return 'default';
  // The command object is the value the handler's args leave out: read it from the message itself.
  const [, , commandObject] = decodeAmf0(connection.received.at(-1)!.payload);
  const { tcUrl } = commandObject as { tcUrl: string };
  connection.sendCommand(0, '_error', command.transactionId, null, {
    level: 'error',
    code: 'NetConnection.Connect.Rejected',
    description: `authentication failed for ${tcUrl}`,
  });
  return 'handled';
};

/** The refusal a publisher meets; a server in these tests never lets it go live. */
async function publishFailure(url: string): Promise<UplinkError> {
  const error: unknown = await new RtmpPublisher(parseRtmpUrl(url), { timeoutMs: 10_000 }).start().catch((err: unknown) => err);
  expect(error).toBeInstanceOf(UplinkError);
  return error as UplinkError;
}

function expectNoLeak(text: string): void {
  expect(text).not.toContain(ECHOED_KEY);
  expect(text).not.toContain(QUERY_PASSWORD);
}

describe('server text that echoes a secret', () => {
  it('is redacted in the error, its JSON and its stack when a server quotes the key in onStatus', async () => {
    const port = await serve(echoKeyInOnStatus);
    const error = await publishFailure(`rtmp://127.0.0.1:${port}/live/${ECHOED_KEY}`);
    // The server did quote it: the refusal must say so, with the key hidden.
    expect(server!.connections[0]!.commands.some((c) => c.name === 'publish')).toBe(true);
    expect(error.message).toContain('stream key "<redacted>" is not valid');
    expectNoLeak(error.message);
    expectNoLeak(JSON.stringify(error));
    expect(JSON.parse(JSON.stringify(error))).toMatchObject({ code: error.code, message: error.message });
    expectNoLeak(String(error.stack));
  });

  it('is redacted when a server quotes credentials of the URL query in an _error', async () => {
    const port = await serve(echoTcUrlInError);
    const error = await publishFailure(`rtmp://127.0.0.1:${port}/live?user=alice&pass=${QUERY_PASSWORD}/some-stream-key`);
    expect(error.code).toBe('CONNECT_REJECTED');
    expect(error.message).toContain('authentication failed for');
    expectNoLeak(error.message);
  });
});

describe('uplink publish against a server that echoes the key', () => {
  let fixture: string;
  beforeAll(async () => {
    fixture = await makeFlvFixture({ seconds: 2, width: 320, height: 180 });
  });

  it('prints the refusal with <redacted> in place of the key, on stderr and stdout', async () => {
    const port = await serve(echoKeyInOnStatus);
    const result = await runUplink(['publish', fixture, '--fast', '--timeout', '10', '--to', `rtmp://127.0.0.1:${port}/live/${ECHOED_KEY}`]);
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('stream key "<redacted>" is not valid');
    expectNoLeak(result.stderr);
    expectNoLeak(result.stdout);
  });
});
