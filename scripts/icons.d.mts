// Types of icons.mjs for the TypeScript tests.
export declare const LINUX_SIZES: number[];
export declare const ICO_SIZES: number[];
export declare const ICNS_TYPES: [string, number][];
export declare function buildIco(images: { size: number; png: Buffer; rgba?: Buffer }[]): Buffer;
export declare function buildIcns(entries: [string, Buffer][]): Buffer;
export declare function unpremultiply(pixels: Uint8Array): Buffer;
export declare function renderSizes(svg: Buffer | string, sizes: number[]): Promise<Map<number, { png: Buffer; rgba: Buffer }>>;
export declare function writeIcons(sourceSvg: string, outDir: string): Promise<string[]>;
