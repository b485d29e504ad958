/**
 * Shown while the studio streams its sources directly, without scenes: one click makes the scenes a new
 * profile starts with (the engine's rule: the first camera and microphone, else the test pattern and a
 * tone), or imports them from OBS.
 */
import { useState } from 'react';
import { selectRun, useApp } from '../store.js';
import { ImportObsButton } from './ImportObs.js';

export function Welcome() {
  const run = useApp(selectRun);
  const openSettings = useApp((s) => s.setSettingsOpen);
  const [loading, setLoading] = useState(false);
  const start = (): void => {
    setLoading(true);
    void run('loadDefaultCollection').finally(() => setLoading(false));
  };
  return (
    <section className="preview welcome" aria-label="Preview">
      <div className="welcome-card">
        <h2>Set up your first scene</h2>
        <p className="muted">Scenes let you place cameras, screens, images and text on the canvas and switch between them live.</p>
        <div className="row-buttons">
          <button type="button" className="btn btn-primary" onClick={start} disabled={loading}>
            {loading ? 'Looking for devices…' : 'Start with my camera and microphone'}
          </button>
          <ImportObsButton className="btn" />
          <button type="button" className="btn" onClick={() => openSettings(true)}>
            Add a destination
          </button>
        </div>
      </div>
    </section>
  );
}
