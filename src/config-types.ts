import type { EventWeights } from './core/events.ts';
import type { Setting } from './config-schema.ts';

/**
 * Config's shape, computed from SETTINGS (config-schema.ts) so that each setting is declared
 * once: adding, renaming, moving or retyping an entry there changes Config with it, and the
 * two cannot drift. Each entry's `path` ('group.key' or 'key') says where its value lands,
 * its `type` what parseSetting (config.ts) gives for it.
 */

/** What parseSetting gives for each type of setting. */
interface ValueOfType {
  int: number;
  intOrAuto: number | 'auto';
  bool: boolean;
  /** Narrowed to the entry's `values` by SettingValue. */
  enum: string;
  string: string;
  optionalString: string | undefined;
  brokers: readonly string[];
  weights: EventWeights;
  /** With `off`, undefined too (SettingValue). */
  path: string;
}

/** The value parseSetting gives for one entry of SETTINGS, exactly. */
export type SettingValue<S extends Setting> = S extends { readonly type: 'enum'; readonly values: readonly (infer V)[] }
  ? V
  : S extends { readonly type: 'path'; readonly off: true }
    ? string | undefined
    : ValueOfType[S['type']];

type GroupOf<P> = P extends `${infer G}.${string}` ? G : never;

/** `{ readonly [group]: { readonly [key]: value } } & { readonly [topLevelKey]: value }`, from a list of settings. */
export type ConfigOf<Settings extends readonly Setting[]> = {
  readonly [G in GroupOf<Settings[number]['path']>]: {
    readonly [S in Settings[number] as S['path'] extends `${G}.${infer K}` ? K : never]: SettingValue<S>;
  };
} & {
  readonly [S in Settings[number] as S['path'] extends `${string}.${string}` ? never : S['path']]: SettingValue<S>;
};
