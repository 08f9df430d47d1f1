/** The four wilderness areas of the Roosevelt National Forest, by the names the CSV uses. */
export const WILDERNESS_AREAS = ['Rawah', 'Neota', 'Commanche', 'Cache'] as const;
export type WildernessArea = (typeof WILDERNESS_AREAS)[number];

export const WILDERNESS_AREA_LONG_NAMES: Record<WildernessArea, string> = {
  Rawah: 'Rawah Wilderness Area',
  Neota: 'Neota Wilderness Area',
  Commanche: 'Comanche Peak Wilderness Area',
  Cache: 'Cache la Poudre Wilderness Area',
};

// Long names and spellings seen in the UCI documentation and the workshop's data, folded to lowercase.
const ALIASES: Record<string, WildernessArea> = {
  rawah: 'Rawah',
  'rawah wilderness area': 'Rawah',
  neota: 'Neota',
  'neota wilderness area': 'Neota',
  commanche: 'Commanche',
  comanche: 'Commanche',
  'comanche peak': 'Commanche',
  'commanche peak': 'Commanche',
  'comanche peak wilderness area': 'Commanche',
  'commanche peak wilderness area': 'Commanche',
  cache: 'Cache',
  'cache la poudre': 'Cache',
  'cache la poudre wilderness area': 'Cache',
};

const CANONICAL: ReadonlySet<string> = new Set(WILDERNESS_AREAS);

/** Maps a name or known alias (any case, extra spaces) to the canonical name, or undefined. */
export function toWildernessArea(value: string): WildernessArea | undefined {
  if (CANONICAL.has(value)) return value as WildernessArea;
  const key = value.trim().replace(/\s+/g, ' ').toLowerCase();
  // Own keys only: "constructor" is no wilderness area.
  return Object.hasOwn(ALIASES, key) ? ALIASES[key] : undefined;
}
