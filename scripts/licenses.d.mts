// Types of licenses.mjs for the TypeScript tests.
export interface Lockfile {
  packages?: Record<string, { name?: string; version?: string; license?: unknown; dev?: boolean; dependencies?: Record<string, string>; optionalDependencies?: Record<string, string> }>;
}
export interface BundledPackage {
  name: string;
  version: string;
  license: unknown;
  path: string;
}
export declare const NOT_SHIPPED: Set<string>;
export declare function reachablePackages(lock: Lockfile): string[];
export declare function bundledPackages(lock: Lockfile): BundledPackage[];
export declare function noticeSection(pkg: BundledPackage, files: { name: string; text: string }[]): string;
export declare function buildNotices(projectDir?: string): Promise<{ text: string; count: number; skipped: number }>;
