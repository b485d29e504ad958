/**
 * The page's first code: it opens the connection to the studio and starts the store before the rest of
 * the studio's code (React DOM, the panels: most of the bundle) has loaded and compiled, so the snapshot
 * and the first preview picture are already in the store when the studio first renders. Measured in
 * test/bench/studio.bench.test.ts (page load to the first preview picture).
 */
import { connectStudio } from './client.js';
import { bindClient, createAppStore } from './store.js';
import './styles.css';

const client = connectStudio();
const store = createAppStore(client);
bindClient(store, client);

void import('./studio-root.js').then(({ mount }) => mount(document.getElementById('root')!, store));
