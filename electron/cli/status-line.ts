/**
 * One line of live status on a terminal, rewritten in place; nothing at all when stderr is not a TTY,
 * so logs and pipes stay clean.
 */
export class StatusLine {
  private shown = false;
  private readonly enabled: boolean;

  constructor(private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.enabled = stream.isTTY === true;
  }

  update(text: string): void {
    if (!this.enabled) return;
    const width = this.stream.columns ?? 100;
    this.stream.write(`\r${text.slice(0, width - 1)}\x1b[K`);
    this.shown = true;
  }

  /** Clears the line so the next message starts at column 0. */
  clear(): void {
    if (!this.shown) return;
    this.stream.write('\r\x1b[K');
    this.shown = false;
  }
}

export function formatBitrate(bitsPerSecond: number): string {
  return bitsPerSecond >= 1e6 ? `${(bitsPerSecond / 1e6).toFixed(1)} Mbit/s` : `${Math.round(bitsPerSecond / 1e3)} kbit/s`;
}
