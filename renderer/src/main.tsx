import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App.js';
import { connectStudio } from './client.js';
import { StoreContext, bindClient, createAppStore } from './store.js';
import './styles.css';

const client = connectStudio();
const store = createAppStore(client);
bindClient(store, client);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <StoreContext.Provider value={store}>
      <App />
    </StoreContext.Provider>
  </StrictMode>,
);
