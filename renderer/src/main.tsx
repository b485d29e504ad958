/**
 * The page's first code: it opens the connection to the studio and starts the store before the rest of
 * the studio's code (React DOM, the panels: most of the bundle) has loaded and compiled, so the snapshot
 * and the first preview picture are already in the store when the studio first renders. Measured in
 * test/bench/studio.bench.test.ts (page load to the first preview picture).
 */
import { connectStudio } from './client.js';
import { firstPictureShown, programCanvas } from './preview/program-canvas.js';
import { bindClient, createAppStore } from './store.js';
import './styles.css';

const client = connectStudio();
const store = createAppStore(client);
bindClient(store, client);
// The program picture goes on the stage of the studio's frame (index.html) as soon as it arrives; the
// preview takes the same canvas over when the studio mounts.
document.querySelector('#root .stage')?.append(programCanvas(store));

/**
 * The studio's code runs once the first picture is on screen (or after STUDIO_WAIT_MS without one: a
 * studio with no program, a slow engine). Running it takes the page's main thread for most of a second
 * on a slow machine, and would hold the first picture back until it is done; the modulepreload link in
 * index.html has the browser fetch and compile it meanwhile.
 */
const STUDIO_WAIT_MS = 400;
const waited = new Promise<void>((resolve) => setTimeout(resolve, STUDIO_WAIT_MS));
void Promise.race([firstPictureShown(store), waited])
  .then(() => import('./studio-root.js'))
  .then(({ mount }) => mount(document.getElementById('root')!, store));
