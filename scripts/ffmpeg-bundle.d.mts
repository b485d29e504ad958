// Types of ffmpeg-bundle.mjs for the TypeScript tests.
import type { CompositorSupport } from '../electron/engine/ffmpeg/capabilities.js';
import type { FfmpegAssessment } from '../electron/engine/ffmpeg/locate.js';

export interface FfmpegBuild {
  builder: string;
  version: string;
  url: string;
  sha256: string | null;
  binary: string;
  ffprobe: string | null;
  licence: string | null;
  licenceName: string;
  buildScripts: string;
  source: string;
  sourceSha256: string | null;
}
export declare const MANIFEST: string;
export declare const TARGETS: string[];
export declare const CAPTURE_DEMUXERS: Record<'linux' | 'win' | 'mac', string[][]>;
export declare function targetOf(platform: NodeJS.Platform, arch: string): string;
export declare function bundledName(target: string): string;
export declare function entryProblems(target: string, entry: unknown, options?: { requirePin?: boolean }): string[];
export declare function checkPinned(target: string, expected: string | null, actual: string): void;
export declare function bundleProblems(assessment: FfmpegAssessment, compositor: CompositorSupport, os: string): string[];
export declare function ffmpegNotice(target: string, entry: FfmpegBuild, versionOutput: string): string;
export declare function sha256File(file: string): Promise<string>;
export declare function bundleFfmpeg(options?: { target?: string; pin?: boolean; manifestFile?: string; allowUnpinned?: boolean; cache?: string }): Promise<{ target: string; dir: string; program: string; sha256: string }>;
export declare function downloadSources(dir: string, manifestFile?: string): Promise<void>;
