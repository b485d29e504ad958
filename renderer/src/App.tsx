/** The studio's layout, as streamers know it from OBS: preview on top, docks below, status at the bottom. */
import { Preview } from './preview/Preview.js';
import { Controls } from './panels/Controls.js';
import { FirstRun } from './panels/FirstRun.js';
import { ImportObsButton } from './panels/ImportObs.js';
import { Mixer } from './panels/Mixer.js';
import { Scenes } from './panels/Scenes.js';
import { SettingsDialog } from './panels/Settings.js';
import { Sources } from './panels/Sources.js';
import { Stats } from './panels/Stats.js';
import { StatusBar } from './panels/StatusBar.js';
import { Toasts } from './panels/Toasts.js';
import { Welcome } from './panels/Welcome.js';
import { selectPhase, selectScenes, useApp } from './store.js';

export function App() {
  const phase = useApp(selectPhase);
  const hasScenes = useApp((s) => selectScenes(s) !== null);
  const loaded = useApp((s) => s.studio !== null);
  return (
    <div className={`app phase-${phase}`}>
      <header className="topbar">
        <span className="brand">
          <span className="brand-mark" aria-hidden="true">
            ▲
          </span>
          Uplink <span className="muted">Studio</span>
        </span>
        <span className="spacer" />
        {phase === 'live' && <span className="live-pill">● LIVE</span>}
        {loaded && <ImportObsButton className="btn btn-small btn-quiet" />}
      </header>
      <main className="main">
        <div className="stage-row">
          {loaded && !hasScenes ? <Welcome /> : <Preview />}
          <Stats />
        </div>
        <div className="docks">
          <Scenes />
          <Sources />
          <Mixer />
          <Controls />
        </div>
      </main>
      <StatusBar />
      <SettingsDialog />
      <FirstRun />
      <Toasts />
    </div>
  );
}
