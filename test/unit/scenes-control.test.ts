import { describe, expect, it } from 'vitest';
import { UplinkError } from '../../electron/engine/errors.js';
import {
  StdinControl,
  formatCommand,
  formatStdinCommand,
  freePort,
  parseZmqReply,
  zmqFilter,
  type FilterCommand,
} from '../../electron/engine/scenes/control.js';
import { thrown } from '../helpers/wait.js';

function refusal(c: FilterCommand): string {
  const err = thrown(() => formatCommand(c));
  expect(err).toBeInstanceOf(UplinkError);
  expect((err as UplinkError).code).toBe('SCENE_COMMAND_INVALID');
  return (err as UplinkError).message;
}

describe('formatCommand', () => {
  it.each([
    [{ target: 'streamselect@sel3', command: 'map', arg: 2 }, 'streamselect@sel3 map 2'],
    [{ target: 'overlay@item3', command: 'x', arg: 120 }, 'overlay@item3 x 120'],
    [{ target: 'crop@c3', command: 'w', arg: 640 }, 'crop@c3 w 640'],
    [{ target: 'scale@z3', command: 'w', arg: 320 }, 'scale@z3 w 320'],
    [{ target: 'volume@a1', command: 'volume', arg: 0.5 }, 'volume@a1 volume 0.5'],
    [{ target: 'volume@a1', command: 'volume', arg: '-6dB' }, 'volume@a1 volume -6dB'],
    [{ target: 'blend@fade', command: 'all_opacity', arg: 0.4 }, 'blend@fade all_opacity 0.4'],
    [{ target: 'overlay@item3', command: 'enable', arg: 0 }, 'overlay@item3 enable 0'],
    [{ target: 'overlay@item3', command: 'x', arg: -16 }, 'overlay@item3 x -16'],
    [{ target: 'amix@mix', command: 'weights', arg: '0 1' }, "amix@mix weights '0 1'"],
    [{ target: 'overlay@item3', command: 'x', arg: 'if(gt(t,1),10,20)' }, "overlay@item3 x 'if(gt(t,1),10,20)'"],
    [{ target: 'overlay@scene-1.item_2', command: 'y', arg: 'H-h' }, 'overlay@scene-1.item_2 y H-h'],
    [{ target: 'color@bg', command: 'c', arg: '0x112233' }, 'color@bg c 0x112233'],
  ] satisfies [FilterCommand, string][])('%j -> %s', (command, text) => {
    expect(formatCommand(command)).toBe(text);
  });

  it('refuses targets that are not one named filter instance', () => {
    expect(refusal({ target: 'all', command: 'x', arg: 1 })).toMatch(/name@instance/);
    expect(refusal({ target: 'overlay', command: 'x', arg: 1 })).toMatch(/name@instance/);
    expect(refusal({ target: 'overlay@item 1', command: 'x', arg: 1 })).toMatch(/name@instance/);
    expect(refusal({ target: '', command: 'x', arg: 1 })).toMatch(/name@instance/);
    expect(refusal({ target: `overlay@${'a'.repeat(60)}`, command: 'x', arg: 1 })).toMatch(/too long/);
  });

  it('refuses commands the filter does not take live', () => {
    expect(refusal({ target: 'overlay@i', command: '', arg: 1 })).toMatch(/no live command ""/);
    expect(refusal({ target: 'scale@z', command: 'enable', arg: 0 })).toMatch(/scale filter has no live command "enable"/);
    expect(refusal({ target: 'overlay@i', command: 'x y', arg: 1 })).toMatch(/no live command/);
    expect(refusal({ target: 'xfade@t', command: 'offset', arg: 1 })).toMatch(/xfade filter takes no live commands/);
  });

  it('refuses values that FFmpeg would read differently or choke on', () => {
    expect(refusal({ target: 'overlay@i', command: 'x', arg: Number.NaN })).toMatch(/NaN is not a finite number/);
    expect(refusal({ target: 'overlay@i', command: 'x', arg: Infinity })).toMatch(/finite/);
    expect(refusal({ target: 'overlay@i', command: 'x', arg: '' })).toMatch(/empty/);
    expect(refusal({ target: 'overlay@i', command: 'x', arg: '   ' })).toMatch(/empty/);
    expect(refusal({ target: 'overlay@i', command: 'x', arg: ' 1' })).toMatch(/starts or ends with a space/);
    for (const arg of ["1'", '"1"', '1\\', '1\n', '1\0', '1\r', '1\t2', 'é']) {
      expect(refusal({ target: 'overlay@i', command: 'x', arg })).toMatch(/quotes, backslashes, control or non-ASCII characters/);
    }
    expect(refusal({ target: 'overlay@i', command: 'x', arg: '1'.repeat(256) })).toMatch(/longer than 255/);
  });

  it('refuses values of other types that reach it from untyped input', () => {
    const untyped = JSON.parse('{"target":"overlay@i","command":"x","arg":null}') as FilterCommand;
    expect(refusal(untyped)).toMatch(/neither a number nor text/);
  });
});

describe('formatStdinCommand', () => {
  it('writes the c key and one line, the argument unquoted (it is the rest of the line)', () => {
    expect(formatStdinCommand({ target: 'overlay@item3', command: 'x', arg: 120 })).toBe('coverlay@item3 -1 x 120\n');
    expect(formatStdinCommand({ target: 'amix@mix', command: 'weights', arg: '0 1' })).toBe('camix@mix -1 weights 0 1\n');
  });

  it('validates like formatCommand', () => {
    expect(() => formatStdinCommand({ target: 'overlay@i', command: 'x', arg: '1\nq' })).toThrow(UplinkError);
  });
});

describe('zmqFilter', () => {
  it('escapes the address for the option and the graph level', () => {
    expect(zmqFilter(5555)).toBe('zmq=bind_address=tcp\\\\://127.0.0.1\\\\:5555');
  });

  it('refuses what is not a port', () => {
    for (const port of [0, -1, 65_536, 1.5, Number.NaN]) expect(() => zmqFilter(port)).toThrow(UplinkError);
  });
});

describe('parseZmqReply', () => {
  it('reads success, errors and a filter response', () => {
    expect(parseZmqReply('0 Success')).toEqual({ code: 0, message: 'Success', response: '' });
    expect(parseZmqReply('38 Function not implemented')).toEqual({ code: 38, message: 'Function not implemented', response: '' });
    expect(parseZmqReply('1163346256 Not yet implemented in FFmpeg, patches welcome')?.code).toBe(1163346256);
    expect(parseZmqReply('0 Success\npong from:overlay overlay@item1\n')).toEqual({
      code: 0,
      message: 'Success',
      response: 'pong from:overlay overlay@item1\n',
    });
  });

  it('returns null for anything else', () => {
    expect(parseZmqReply('')).toBeNull();
    expect(parseZmqReply('Success')).toBeNull();
  });
});

describe('StdinControl', () => {
  it('validates the whole batch before writing, then writes it at once', async () => {
    const written: string[] = [];
    const control = new StdinControl((text) => void written.push(text));
    await expect(
      control.send([
        { target: 'overlay@a', command: 'x', arg: 1 },
        { target: 'overlay@b', command: 'x', arg: '' },
      ]),
    ).rejects.toThrow(UplinkError);
    expect(written).toEqual([]);

    await control.send([
      { target: 'overlay@a', command: 'x', arg: 1 },
      { target: 'overlay@b', command: 'y', arg: 2 },
    ]);
    expect(written).toEqual(['coverlay@a -1 x 1\ncoverlay@b -1 y 2\n']);
    expect(control.kind).toBe('stdin');

    await control.close();
    await expect(control.send([{ target: 'overlay@a', command: 'x', arg: 1 }])).rejects.toMatchObject({ code: 'SCENE_CONTROL_CLOSED' });
  });
});

describe('freePort', () => {
  it('returns a loopback port that can be bound', async () => {
    const port = await freePort();
    expect(port).toBeGreaterThan(0);
    expect(port).toBeLessThan(65_536);
  });
});
