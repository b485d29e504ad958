import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MeterParser, MeterReader, meterChain, type MeterReading } from '../../electron/engine/scenes/meters.js';

/** ametadata's print output as FFmpeg 5.1 writes it. */
const SAMPLE = [
  'frame:0    pts:0       pts_time:0',
  'lavfi.astats.Overall.Peak_level=-6.020600',
  'lavfi.astats.Overall.RMS_level=-9.030900',
  'frame:1    pts:2400    pts_time:0.05',
  'lavfi.astats.Overall.Peak_level=-inf',
  'lavfi.astats.Overall.RMS_level=-inf',
  'frame:2    pts:4800    pts_time:0.1',
  'lavfi.astats.Overall.Peak_level=-20.000000',
  'lavfi.astats.Overall.RMS_level=-23.010300',
  '',
].join('\n');

const EXPECTED: MeterReading[] = [
  { peakDb: -6.0206, rmsDb: -9.0309, time: 0 },
  { peakDb: -Infinity, rmsDb: -Infinity, time: 0.05 },
  { peakDb: -20, rmsDb: -23.0103, time: 0.1 },
];

describe('meterChain', () => {
  it('measures windows of sampleRate/hz samples and writes to the escaped pipe name', () => {
    expect(meterChain(4)).toBe(
      'asetnsamples=n=2400:p=0,astats=metadata=1:reset=1:measure_perchannel=none:measure_overall=Peak_level+RMS_level,' +
        'ametadata=mode=print:file=pipe\\\\:4:direct=1,anullsink',
    );
    expect(meterChain(7, { sampleRate: 44_100, hz: 30 })).toContain('asetnsamples=n=1470:');
    expect(() => meterChain(2)).toThrow(RangeError);
    expect(() => meterChain(3, { hz: 0 })).toThrow(RangeError);
  });
});

describe('MeterParser', () => {
  it('parses whole output', () => {
    expect(new MeterParser().push(SAMPLE)).toEqual(EXPECTED);
  });

  it('gives the same readings at every split point, and byte by byte', () => {
    for (let cut = 0; cut <= SAMPLE.length; cut += 1) {
      const parser = new MeterParser();
      expect([...parser.push(SAMPLE.slice(0, cut)), ...parser.push(SAMPLE.slice(cut))]).toEqual(EXPECTED);
    }
    const parser = new MeterParser();
    expect([...SAMPLE].flatMap((c) => parser.push(c))).toEqual(EXPECTED);
  });

  it('returns a reading as soon as both values are in, without waiting for the next frame line', () => {
    const parser = new MeterParser();
    expect(parser.push('frame:0 pts:0 pts_time:0\nlavfi.astats.Overall.Peak_level=-1.5\n')).toEqual([]);
    expect(parser.push('lavfi.astats.Overall.RMS_level=-4.5\n')).toEqual([{ peakDb: -1.5, rmsDb: -4.5, time: 0 }]);
  });

  it('skips readings with a missing or nan value, and lines of other keys', () => {
    const text = [
      'frame:0 pts:0 pts_time:0',
      'lavfi.astats.Overall.Peak_level=-3.0',
      'frame:1 pts:2400 pts_time:0.05',
      'lavfi.astats.Overall.Peak_level=nan',
      'lavfi.astats.Overall.RMS_level=-7',
      'frame:2 pts:4800 pts_time:0.1',
      'lavfi.astats.Overall.DC_offset=0.1',
      'lavfi.astats.Overall.RMS_level=-8',
      'lavfi.astats.Overall.Peak_level=-2',
      'lavfi.astats.Overall.Peak_level=-1',
      'frame:3 pts:7200 pts_time:NOPTS',
      'lavfi.astats.Overall.Peak_level=inf',
      'lavfi.astats.Overall.RMS_level=garbage',
      'frame:4 pts:NOPTS pts_time:NOPTS',
      'lavfi.astats.Overall.Peak_level=0.5',
      'lavfi.astats.Overall.RMS_level=-1e1',
      '',
    ].join('\n');
    expect(new MeterParser().push(text)).toEqual([
      { peakDb: -2, rmsDb: -8, time: 0.1 },
      { peakDb: 0.5, rmsDb: -10 },
    ]);
  });

  it('ignores values before any frame line and survives CRLF and overlong garbage lines', () => {
    const parser = new MeterParser();
    expect(parser.push('lavfi.astats.Overall.Peak_level=-1\nlavfi.astats.Overall.RMS_level=-2\n')).toEqual([]);
    expect(parser.push('x'.repeat(5000))).toEqual([]);
    expect(parser.push('y'.repeat(5000) + '\nframe:0 pts:0 pts_time:1\r\nlavfi.astats.Overall.Peak_level=-1\r\n')).toEqual([]);
    expect(parser.push('lavfi.astats.Overall.RMS_level=-2\r\n')).toEqual([{ peakDb: -1, rmsDb: -2, time: 1 }]);
  });
});

describe('MeterReader', () => {
  it('emits every reading, keeps the newest, and ends with the pipe', async () => {
    const pipe = new PassThrough();
    const reader = new MeterReader(pipe);
    const seen: MeterReading[] = [];
    reader.on('level', (level) => seen.push(level));
    const ended = new Promise<void>((resolve) => reader.once('end', resolve));
    pipe.write(Buffer.from(SAMPLE.slice(0, 50)));
    pipe.end(Buffer.from(SAMPLE.slice(50)));
    await ended;
    expect(seen).toEqual(EXPECTED);
    expect(reader.latest()).toEqual(EXPECTED[2]);
  });
});
