import { describe, expect, it } from 'vitest';
import { type Collection, COLLECTION_VERSION, parseCollection } from '../../electron/engine/scenes/model.js';

function collection(): Collection {
  return {
    version: COLLECTION_VERSION,
    canvas: { width: 1280, height: 720, fps: 30 },
    sources: [
      { id: 'cam', name: 'Webcam', kind: 'video-device', settings: { device: 'v4l2:/dev/video0', role: 'camera' } },
      { id: 'mic', name: 'Mic', kind: 'audio-device', settings: { device: null, role: 'microphone' }, audio: { volumeDb: -6, muted: false } },
      { id: 'red', name: 'Red', kind: 'color', settings: { color: '#ff0000', width: 1280, height: 720 } },
      { id: 'irl', name: 'IRL', kind: 'network', settings: { url: 'srt://127.0.0.1:9000' } },
    ],
    scenes: [
      { id: 'main', name: 'Main', items: [item('i1', 'red'), item('i2', 'cam'), item('i3', 'mic')] },
      { id: 'pip', name: 'PiP', items: [item('i1', 'main')] },
    ],
    currentSceneId: 'pip',
    transition: { kind: 'fade', durationMs: 300 },
  };
}

function item(id: string, sourceId: string) {
  return { id, sourceId, x: 0, y: 0, width: 1280, height: 720, crop: { top: 0, right: 0, bottom: 0, left: 0 }, visible: true, locked: false };
}

function problems(input: unknown): string[] {
  const result = parseCollection(input);
  return result.ok ? [] : result.problems.map((p) => `${p.path}: ${p.message}`);
}

describe('scene collection model', () => {
  it('accepts a collection with a nested scene', () => {
    expect(problems(collection())).toEqual([]);
  });

  it('names the item whose source does not exist', () => {
    const c = collection();
    c.scenes[1]!.items.push(item('i2', 'cam2'));
    expect(problems(c)).toEqual(['scenes[1].items[1].sourceId: no source "cam2"']);
  });

  it('refuses an id used twice, across sources and scenes', () => {
    const c = collection();
    c.scenes[1]!.id = 'red';
    c.scenes[1]!.items = [];
    c.currentSceneId = 'main';
    expect(problems(c)).toEqual(['scenes[1].id: id "red" is already used by sources[2].id']);
  });

  it('refuses a current scene that does not exist, or that is a source', () => {
    expect(problems({ ...collection(), currentSceneId: 'red' })).toEqual(['currentSceneId: no scene "red"']);
  });

  it('refuses nested scenes that contain themselves', () => {
    const c = collection();
    c.scenes[0]!.items.push(item('i4', 'pip'));
    expect(problems(c)).toEqual(['scenes[1].items[0].sourceId: nested scenes form a cycle: main -> pip -> main']);
    const self = collection();
    self.scenes[0]!.items.push(item('i4', 'main'));
    expect(problems(self)).toEqual(['scenes[0].items[3].sourceId: nested scenes form a cycle: main -> main']);
  });

  it('names the field of a wrong shape, a bad colour, a network URL we cannot read', () => {
    const c = collection() as unknown as { sources: { settings: Record<string, unknown> }[]; scenes: { items: Record<string, unknown>[] }[] };
    c.sources[2]!.settings.color = 'red';
    c.sources[3]!.settings.url = 'ftp://example.com/feed';
    c.scenes[0]!.items[1]!.crop = { top: -1, right: 0, bottom: 0, left: 0 };
    expect(problems(c)).toEqual([
      'sources[2].settings.color: a colour is #RRGGBB or #RRGGBBAA',
      'sources[3].settings.url: a network stream is an rtmp, rtmps, srt, rtsp, rtsps, http, https URL',
      'scenes[0].items[1].crop.top: Invalid value: Expected >=0 but received -1',
    ]);
  });

  it('needs the volume of an audio device', () => {
    const c = collection() as unknown as { sources: Record<string, unknown>[] };
    delete c.sources[1]!.audio;
    expect(problems(c)).toEqual(['sources[1].audio: Invalid key: Expected "audio" but received undefined']);
  });
});
