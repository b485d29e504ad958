/**
 * The renderer's state: slices that mirror what the engine sends (the snapshot, stats, levels, preview
 * pictures, notices), combined into one zustand store. Nothing here computes what the engine owns:
 * actions call the contract, and the next snapshot says what happened.
 */
import { createContext, useContext } from 'react';
import { type StoreApi, createStore, useStore } from 'zustand';
import type { AudioLevels, Notice, PreviewFrame, ProgramStats, StudioCommands, StudioState } from '../../electron/contract.js';
import { type CommandResult, type ConnectionState, StudioCallError, type StudioClient } from './client.js';

/** How long the stats charts look back. */
export const STATS_WINDOW_MS = 5 * 60_000;

export interface StatsSample {
  /** Local clock, ms: when the sample arrived (charts are drawn against it). */
  at: number;
  stats: ProgramStats;
}

export interface StudioSlice {
  studio: StudioState | null;
  connection: ConnectionState;
  /**
   * Keeps the newest snapshot: one with a lower revision than the one held is stale and dropped.
   * `fresh` is for the snapshot fetched after a (re)connect, taken whatever its revision: a restarted
   * engine counts from 0 again.
   */
  applyState(state: StudioState, fresh?: boolean): void;
  setConnection(connection: ConnectionState): void;
}

export interface StatsSlice {
  statsHistory: StatsSample[];
  pushStats(stats: ProgramStats, at?: number): void;
}

export interface LevelsSlice {
  levels: AudioLevels | null;
  setLevels(levels: AudioLevels): void;
}

export interface PreviewSlice {
  /**
   * The newest program picture, as the engine sent it (JPEG). Drawn by ProgramPicture straight from the
   * store's subscription, outside React: a picture 30 times a second must not re-render components.
   */
  preview: PreviewFrame | null;
  previewSeq: number;
  setPreview(frame: PreviewFrame): void;
  /** After a reconnect the engine's picture numbers may start again from 0. */
  resetPreviewSeq(): void;
}

export interface ShownNotice extends Notice {
  id: number;
}

export interface NoticesSlice {
  notices: ShownNotice[];
  pushNotice(notice: Notice): void;
  dismissNotice(id: number): void;
}

/** The source properties dialog's two tabs. */
export type PropertiesTab = 'properties' | 'transform';

export interface UiSlice {
  selectedItemId: string | null;
  select(itemId: string | null): void;
  settingsOpen: boolean;
  setSettingsOpen(open: boolean): void;
  /** The item of the program scene whose properties dialog is open (from the sources list or the preview), and on which tab. */
  editing: { itemId: string; tab: PropertiesTab } | null;
  setEditing(editing: { itemId: string; tab: PropertiesTab } | null): void;
}

export interface ActionsSlice {
  client: StudioClient;
  /** Calls a command; a failure becomes a toast and resolves to undefined (for buttons). */
  run<K extends keyof StudioCommands>(command: K, ...args: Parameters<StudioCommands[K]>): Promise<CommandResult<K> | undefined>;
}

export type AppState = StudioSlice & StatsSlice & LevelsSlice & PreviewSlice & NoticesSlice & UiSlice & ActionsSlice;

export interface StoreOptions {
  now?: () => number;
  /** At most this many toasts wait; older ones give way. */
  maxNotices?: number;
}

export function createAppStore(client: StudioClient, options: StoreOptions = {}): StoreApi<AppState> {
  const now = options.now ?? (() => Date.now());
  const maxNotices = options.maxNotices ?? 5;
  let noticeId = 0;

  return createStore<AppState>()((set, get) => ({
    // studio
    studio: null,
    connection: client.connectionState,
    applyState: (state, fresh = false) => {
      const held = get().studio;
      if (!fresh && held && state.revision < held.revision) return;
      set({ studio: state });
    },
    setConnection: (connection) => set({ connection }),

    // stats history
    statsHistory: [],
    pushStats: (stats, at = now()) =>
      set((s) => {
        const from = at - STATS_WINDOW_MS;
        const kept = s.statsHistory.filter((sample) => sample.at >= from);
        kept.push({ at, stats });
        return { statsHistory: kept };
      }),

    // levels
    levels: null,
    setLevels: (levels) => set({ levels }),

    // preview
    preview: null,
    previewSeq: -1,
    setPreview: (frame) => {
      if (frame.seq <= get().previewSeq) return; // a late picture: the newer one is already shown
      // No blob or object URL per picture: making one costs the page a copy and a round trip to the
      // browser process, 30 times a second. The picture decodes straight from these bytes.
      set({ preview: frame, previewSeq: frame.seq });
    },
    resetPreviewSeq: () => set({ previewSeq: -1 }),

    // notices
    notices: [],
    pushNotice: (notice) => set((s) => ({ notices: [...s.notices, { ...notice, id: ++noticeId }].slice(-maxNotices) })),
    dismissNotice: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),

    // ui
    selectedItemId: null,
    select: (selectedItemId) => set({ selectedItemId }),
    settingsOpen: false,
    setSettingsOpen: (settingsOpen) => set({ settingsOpen }),
    editing: null,
    setEditing: (editing) => set({ editing }),

    // actions
    client,
    run: async <K extends keyof StudioCommands>(command: K, ...args: Parameters<StudioCommands[K]>): Promise<CommandResult<K> | undefined> => {
      try {
        const result: CommandResult<K> = await client.call(command, ...args);
        return result;
      } catch (err) {
        const message = err instanceof StudioCallError || err instanceof Error ? err.message : String(err);
        const code = err instanceof StudioCallError ? err.code : 'INTERNAL';
        get().pushNotice({ level: 'error', message, code, at: now() });
        return undefined;
      }
    },
  }));
}

/** Feeds the store from the client: events, pictures, and a fresh snapshot on every (re)connect. */
export function bindClient(store: StoreApi<AppState>, client: StudioClient): () => void {
  const s = store.getState;
  const refresh = (): void => {
    client.call('getState').then(
      (state) => s().applyState(state, true),
      () => undefined, // the next reconnect tries again
    );
  };
  const offs = [
    client.on('onState', (state) => s().applyState(state)),
    client.on('onStats', (stats) => s().pushStats(stats)),
    client.on('onLevels', (levels) => s().setLevels(levels)),
    client.on('onNotice', (notice) => s().pushNotice(notice)),
    client.on('onProgramEnded', (ended) => {
      if (ended.reason === 'failed' && ended.message) s().pushNotice({ level: 'error', message: ended.message, ...(ended.code ? { code: ended.code } : {}), at: Date.now() });
    }),
    client.onPreview((frame) => s().setPreview(frame)),
    client.onConnection((state) => {
      s().setConnection(state);
      if (state === 'open') {
        s().resetPreviewSeq();
        refresh();
      }
    }),
  ];
  if (client.connectionState === 'open') refresh();
  return () => offs.forEach((off) => off());
}

export const StoreContext = createContext<StoreApi<AppState> | null>(null);

/** One selector per value: components re-render only when what they read changes. */
export function useApp<T>(selector: (state: AppState) => T): T {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useApp outside <StoreContext.Provider>');
  return useStore(store, selector);
}

export function useAppStore(): StoreApi<AppState> {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore outside <StoreContext.Provider>');
  return store;
}

// Selectors, named once so components read the same values the same way.
export const selectPhase = (s: AppState) => s.studio?.phase ?? 'idle';
export const selectScenes = (s: AppState) => s.studio?.scenes ?? null;
export const selectRecording = (s: AppState) => s.studio?.recording ?? null;
export const selectDestinations = (s: AppState) => s.studio?.destinations;
export const selectEncoding = (s: AppState) => s.studio?.encoding ?? null;
export const selectLatestStats = (s: AppState): ProgramStats | null => s.statsHistory[s.statsHistory.length - 1]?.stats ?? null;
export const selectRun = (s: AppState) => s.run;
