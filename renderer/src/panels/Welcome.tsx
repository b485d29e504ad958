/**
 * Shown while the studio streams its sources directly, without scenes: one click starts a scene
 * collection with the test pattern and tone, the same defaults the command line uses.
 */
import type { Collection } from '../../../electron/contract.js';
import { selectEncoding, selectRun, useApp } from '../store.js';

export function starterCollection(width: number, height: number, fps: number): Collection {
  return {
    version: 2,
    canvas: { width, height, fps },
    sources: [
      { id: 'test-pattern', name: 'Test pattern', kind: 'test-pattern', settings: {} },
      { id: 'tone', name: 'Tone', kind: 'tone', settings: { frequencyHz: 440 }, audio: { volumeDb: -12, muted: false } },
    ],
    scenes: [
      {
        id: 'scene-1',
        name: 'Scene 1',
        items: [
          { id: 'item-1', sourceId: 'test-pattern', x: 0, y: 0, width, height, crop: { top: 0, right: 0, bottom: 0, left: 0 }, visible: true, locked: false },
          { id: 'item-2', sourceId: 'tone', x: 0, y: 0, width: 0, height: 0, crop: { top: 0, right: 0, bottom: 0, left: 0 }, visible: true, locked: false },
        ],
      },
    ],
    currentSceneId: 'scene-1',
    transition: { kind: 'fade', durationMs: 300 },
  };
}

export function Welcome() {
  const run = useApp(selectRun);
  const encoding = useApp(selectEncoding);
  const openSettings = useApp((s) => s.setSettingsOpen);
  return (
    <section className="preview welcome" aria-label="Preview">
      <div className="welcome-card">
        <h2>Set up your first scene</h2>
        <p className="muted">Scenes let you place cameras, screens, images and text on the canvas and switch between them live.</p>
        <div className="row-buttons">
          <button type="button" className="btn btn-primary" onClick={() => void run('loadCollection', starterCollection(encoding?.width ?? 1280, encoding?.height ?? 720, encoding?.fps ?? 30))}>
            Start with a test pattern
          </button>
          <button type="button" className="btn" onClick={() => openSettings(true)}>
            Add a destination
          </button>
        </div>
      </div>
    </section>
  );
}
