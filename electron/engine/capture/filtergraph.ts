/**
 * Escaping for FFmpeg filter graphs. A value passes two parsers: the filter's option parser splits
 * `key=value` pairs on ':' and the graph parser splits filters on ',' ';' '[' ']'; both take '\' as escape
 * and '\'' as quote. So a value is escaped for the option level, then the whole argument string for the
 * graph level. (Inside drawtext's `%{...}` the text expander is a third level; drawtext.ts handles it.)
 */
export function escapeOptionValue(value: string): string {
  return value.replace(/[\\':]/g, (c) => `\\${c}`);
}

export function escapeGraphArgs(args: string): string {
  return args.replace(/[\\'[\],;]/g, (c) => `\\${c}`);
}

/** `name=key1=value1:key2=value2`, each value escaped for both levels. */
export function filter(name: string, options: ReadonlyArray<readonly [string, string | number]>): string {
  if (options.length === 0) return name;
  const args = options.map(([key, value]) => `${key}=${escapeOptionValue(String(value))}`).join(':');
  return `${name}=${escapeGraphArgs(args)}`;
}
