/**
 * A stand-in for Uplink running a recording, for the crash tests: a Node process that records an FLV
 * file fed at its own pace, so that the test can kill it with SIGKILL mid-recording.
 *
 * Run with `node --experimental-transform-types recorder-child.ts '<json RecorderChildConfig>'`. It
 * imports the engine's TypeScript sources directly: the resolve hook maps the `.js` specifiers the
 * sources use to their `.ts` files. It prints one JSON line per event on stdout:
 * `{"event":"started","ffmpegPid":123}`, `{"event":"fed","mediaMs":500}` every half second of media,
 * `{"event":"stopped","bytes":...}` if it reaches the end of the input.
 */
import { registerHooks } from 'node:module';

export interface RecorderChildConfig {
  ffmpegPath: string;
  input: string;
  output: string;
  format?: 'mkv' | 'fmp4';
}

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (err) {
      if (specifier.endsWith('.js')) return nextResolve(`${specifier.slice(0, -3)}.ts`, context);
      throw err;
    }
  },
});

const { createReadStream } = await import('node:fs');
const { Recorder } = await import('../../electron/engine/outputs/recording.js');
const { StreamHeaderCache } = await import('../../electron/engine/flv/headers.js');
const { readFlvTags } = await import('../../electron/engine/flv/reader.js');
const { paceByTimestamps } = await import('../../electron/engine/flv/pace.js');

function say(message: Record<string, unknown>): void {
  process.stdout.write(`${JSON.stringify(message)}\n`);
}

const config = JSON.parse(process.argv[2] ?? '{}') as RecorderChildConfig;
const recorder = new Recorder({
  ffmpegPath: config.ffmpegPath,
  file: config.output,
  format: config.format ?? 'mkv',
  headers: new StreamHeaderCache(),
});
recorder.on('error', (err) => say({ event: 'error', code: err.code, message: err.message }));
await recorder.start();
say({ event: 'started', ffmpegPid: recorder.pid });

let nextReport = 500;
let first: number | undefined;
for await (const tag of paceByTimestamps(readFlvTags(createReadStream(config.input)))) {
  recorder.push(tag);
  first ??= tag.timestamp;
  const mediaMs = tag.timestamp - first;
  if (mediaMs >= nextReport) {
    say({ event: 'fed', mediaMs });
    nextReport += 500;
  }
}
const result = await recorder.stop();
say({ event: 'stopped', bytes: result.bytes, durationSec: result.durationSec });
