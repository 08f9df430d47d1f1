/** The seven forest cover classes, 1..7, as the UCI documentation names them. */
export const COVER_TYPES = {
  1: 'Spruce/Fir',
  2: 'Lodgepole Pine',
  3: 'Ponderosa Pine',
  4: 'Cottonwood/Willow',
  5: 'Aspen',
  6: 'Douglas-fir',
  7: 'Krummholz',
} as const;
export type CoverType = keyof typeof COVER_TYPES;

export const COVER_TYPE_VALUES = [1, 2, 3, 4, 5, 6, 7] as const satisfies readonly CoverType[];

export function isCoverType(value: number): value is CoverType {
  return Number.isInteger(value) && value >= 1 && value <= 7;
}

export function coverTypeName(value: CoverType): string {
  return COVER_TYPES[value];
}
