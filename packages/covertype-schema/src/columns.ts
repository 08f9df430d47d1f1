import { NUMERIC_FEATURE_NAMES } from './features.ts';

/** Column order of the covertype CSV files and of the data API's rows. */
export const FEATURE_COLUMNS = [...NUMERIC_FEATURE_NAMES, 'Wilderness_Area', 'Soil_Type'] as const;
export const LABEL_COLUMN = 'Cover_Type';
export const CSV_COLUMNS = [...FEATURE_COLUMNS, LABEL_COLUMN] as const;

export type FeatureColumn = (typeof FEATURE_COLUMNS)[number];
export type CsvColumn = (typeof CSV_COLUMNS)[number];
