import type { ObsData, ObsEvent, ObsFront, ObsResponse } from '../../electron/remote/obs/types.js';

/**
 * A stand-in for the obs-websocket front in the protocol's tests: GetVersion and GetStats answer, Fail fails (600),
 * Slow answers once `release()` is called, anything else is unknown (204). Tests emit events by hand.
 */
export class StubFront implements ObsFront {
  readonly calls: Array<{ requestType: string; requestData: ObsData | undefined; at: number }> = [];
  private readonly listeners = new Set<(event: ObsEvent) => void>();
  private readonly waiting: Array<() => void> = [];
  closed = false;

  async request(requestType: string, requestData: ObsData | undefined): Promise<ObsResponse> {
    this.calls.push({ requestType, requestData, at: performance.now() });
    switch (requestType) {
      case 'GetVersion':
        return { result: true, code: 100, data: { obsVersion: '30.0.0', obsWebSocketVersion: '5.5.0', rpcVersion: 1 } };
      case 'GetStats':
        return { result: true, code: 100, data: { cpuUsage: 0, webSocketSessionIncomingMessages: 0, webSocketSessionOutgoingMessages: 0 } };
      case 'Echo':
        return { result: true, code: 100, data: { ...requestData } };
      case 'Fail':
        return { result: false, code: 600, comment: 'no such thing' };
      case 'Slow':
        await new Promise<void>((resolve) => this.waiting.push(resolve));
        return { result: true, code: 100 };
      default:
        return { result: false, code: 204, comment: `unknown request type ${requestType}` };
    }
  }

  release(): void {
    for (const resolve of this.waiting.splice(0)) resolve();
  }

  onEvent(listener: (event: ObsEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  emit(event: ObsEvent): void {
    for (const listener of this.listeners) listener(event);
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  close(): void {
    this.closed = true;
    this.listeners.clear();
  }
}
