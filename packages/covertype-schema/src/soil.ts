/**
 * The 40 soil types of the UCI documentation as USFS ELU codes. The first digit is the climatic
 * zone and the second the geologic zone, so the code's numeric order is meaningful.
 */
export const SOIL_TYPES = [
  2702, 2703, 2704, 2705, 2706, 2717, 3501, 3502, 4201, 4703, 4704, 4744, 4758, 5101, 5151, 6101, 6102, 6731,
  7101, 7102, 7103, 7201, 7202, 7700, 7701, 7702, 7709, 7710, 7745, 7746, 7755, 7756, 7757, 7790, 8703, 8707,
  8708, 8771, 8772, 8776,
] as const;
export type SoilType = (typeof SOIL_TYPES)[number];

const SOIL_SET: ReadonlySet<number> = new Set(SOIL_TYPES);

export function isSoilType(code: number): code is SoilType {
  return SOIL_SET.has(code);
}

/** 1-based position in the UCI list (Soil_Type1..Soil_Type40), as the one-hot columns are named. */
export function soilTypeFromUciIndex(index: number): SoilType | undefined {
  return SOIL_TYPES[index - 1];
}
