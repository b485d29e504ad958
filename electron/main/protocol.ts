import { readFile } from 'node:fs/promises';
import { extname, join, normalize, relative, sep } from 'node:path';
import { APP_HOST, APP_SCHEME, CONTENT_SECURITY_POLICY } from './security.js';

/**
 * The renderer is served from app://uplink/ rather than file:// (checklist point 18): a page can read
 * only the renderer's own folder, its origin is one the IPC and permission checks can name, and every
 * response carries the CSP (webRequest does not see custom protocols).
 */
export const APP_SCHEME_PRIVILEGES = { scheme: APP_SCHEME, privileges: { standard: true, secure: true, supportFetchAPI: true } } as const;

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.woff2': 'font/woff2',
  '.wasm': 'application/wasm',
  '.ico': 'image/x-icon',
};

/** The file under `root` that an app:// URL names, or undefined for anything outside it. */
export function rendererFile(root: string, url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return undefined;
  }
  if (path.includes('\0')) return undefined;
  const file = normalize(join(root, path === '/' ? 'index.html' : path));
  const rel = relative(root, file);
  if (rel === '' || rel.startsWith('..') || rel.split(sep).includes('..')) return undefined;
  return file;
}

/** Answers one app:// request (given to `protocol.handle`). */
export async function serveRenderer(root: string, request: { url: string; method: string }): Promise<Response> {
  const headers = { 'content-security-policy': CONTENT_SECURITY_POLICY, 'x-content-type-options': 'nosniff' };
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response('method not allowed', { status: 405, headers });
  const file = rendererFile(root, request.url);
  if (!file) return new Response('not found', { status: 404, headers });
  try {
    const body = await readFile(file);
    return new Response(body, { status: 200, headers: { ...headers, 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' } });
  } catch {
    return new Response('not found', { status: 404, headers });
  }
}
