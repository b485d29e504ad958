/** The studio's React tree, mounted once its code has loaded (main.tsx has the connection open by then). */
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import type { StoreApi } from 'zustand';
import { App } from './App.js';
import { type AppState, StoreContext } from './store.js';

export function mount(element: HTMLElement, store: StoreApi<AppState>): void {
  createRoot(element).render(
    <StrictMode>
      <StoreContext.Provider value={store}>
        <App />
      </StoreContext.Provider>
    </StrictMode>,
  );
}
