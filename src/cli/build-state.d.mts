export declare const BUILD_STAMP: string;
export declare const SOURCE_DIRS: readonly string[];
export declare function buildState(root: string): 'fresh' | 'missing' | 'stale';
export declare function isBuildInput(name: string): boolean;
