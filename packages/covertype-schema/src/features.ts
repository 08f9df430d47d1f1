/**
 * The ten numeric covertype features, in CSV column order, with the ranges that the UCI
 * documentation (covtype.info) and the physical quantities allow. Validation, the data API,
 * the trainer and the inference API all read these bounds from here.
 */
export interface NumericFeatureSpec {
  readonly name: string;
  readonly unit: string;
  readonly min: number;
  readonly max: number;
  readonly description: string;
}

export const NUMERIC_FEATURES = [
  {
    name: 'Elevation',
    unit: 'm',
    min: 0,
    max: 5000,
    description: 'Elevation in meters (the study area spans about 1,850 to 3,860 m)',
  },
  { name: 'Aspect', unit: 'degrees azimuth', min: 0, max: 360, description: 'Aspect in degrees azimuth' },
  { name: 'Slope', unit: 'degrees', min: 0, max: 90, description: 'Slope in degrees' },
  {
    name: 'Horizontal_Distance_To_Hydrology',
    unit: 'm',
    min: 0,
    max: 20000,
    description: 'Horizontal distance to the nearest surface water feature',
  },
  {
    name: 'Vertical_Distance_To_Hydrology',
    unit: 'm',
    min: -2000,
    max: 2000,
    description: 'Vertical distance to the nearest surface water feature (negative: below it)',
  },
  {
    name: 'Horizontal_Distance_To_Roadways',
    unit: 'm',
    min: 0,
    max: 20000,
    description: 'Horizontal distance to the nearest roadway',
  },
  {
    name: 'Hillshade_9am',
    unit: 'index',
    min: 0,
    max: 255,
    description: 'Hillshade index at 9am, summer solstice',
  },
  {
    name: 'Hillshade_Noon',
    unit: 'index',
    min: 0,
    max: 255,
    description: 'Hillshade index at noon, summer solstice',
  },
  {
    name: 'Hillshade_3pm',
    unit: 'index',
    min: 0,
    max: 255,
    description: 'Hillshade index at 3pm, summer solstice',
  },
  {
    name: 'Horizontal_Distance_To_Fire_Points',
    unit: 'm',
    min: 0,
    max: 20000,
    description: 'Horizontal distance to the nearest wildfire ignition point',
  },
] as const satisfies readonly NumericFeatureSpec[];

export type NumericFeatureName = (typeof NUMERIC_FEATURES)[number]['name'];

export const NUMERIC_FEATURE_NAMES = NUMERIC_FEATURES.map((f) => f.name) as readonly NumericFeatureName[];
