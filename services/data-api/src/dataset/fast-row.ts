import { COVER_TYPE_VALUES, NUMERIC_FEATURES, SOIL_TYPES, WILDERNESS_AREAS } from '@covertype/schema';

const COMMA = 44;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;
// The row contract's own table (@covertype/schema): the numeric columns in order with their
// ranges, then the wilderness names, the soil codes and the classes.
const NUMERIC = NUMERIC_FEATURES.length;
const MINS = NUMERIC_FEATURES.map((f) => f.min);
const MAXS = NUMERIC_FEATURES.map((f) => f.max);
const LABEL_MIN = COVER_TYPE_VALUES[0];
const LABEL_MAX = COVER_TYPE_VALUES[COVER_TYPE_VALUES.length - 1]!;
const SOIL_LOOKUP = new Uint8Array(Math.max(...SOIL_TYPES) + 1);
for (const code of SOIL_TYPES) SOIL_LOOKUP[code] = 1;
const AREA_BYTES = WILDERNESS_AREAS.map((area) => Buffer.from(area, 'latin1'));

/** Where the last parsePlainInt stopped (the byte after the number), to avoid allocating a result. */
let stoppedAt = 0;

/**
 * Whether a line is a valid row written the plain way (canonical integers, canonical wilderness name,
 * no quotes or spaces), checked on the raw bytes without allocating. Such a line is already almost
 * JSON, which is what lets 581,012 rows load in a fraction of a second. Anything else goes to the
 * row schema (checkRecord): this only ever accepts rows that it accepts too (a test holds it to that).
 */
export function isPlainValidRow(bytes: Uint8Array, start: number, end: number): boolean {
  let p = start;
  for (let f = 0; f < NUMERIC; f++) {
    const n = parsePlainInt(bytes, p, end);
    if (!(n >= MINS[f]! && n <= MAXS[f]!) || bytes[stoppedAt] !== COMMA || stoppedAt >= end) return false;
    p = stoppedAt + 1;
  }
  const areaEnd = wildernessEnd(bytes, p, end);
  if (areaEnd < 0) return false;
  const soil = parsePlainInt(bytes, areaEnd + 1, end);
  if (!(soil >= 0 && soil < SOIL_LOOKUP.length && SOIL_LOOKUP[soil] === 1)) return false;
  if (bytes[stoppedAt] !== COMMA || stoppedAt >= end) return false;
  const label = parsePlainInt(bytes, stoppedAt + 1, end);
  return label >= LABEL_MIN && label <= LABEL_MAX && stoppedAt === end;
}

/** The comma after a canonical wilderness name starting at p, or -1. */
function wildernessEnd(bytes: Uint8Array, p: number, end: number): number {
  for (const area of AREA_BYTES) {
    const stop = p + area.length;
    if (stop >= end || bytes[stop] !== COMMA) continue;
    let same = true;
    for (let i = 0; i < area.length && same; i++) same = bytes[p + i] === area[i];
    if (same) return stop;
  }
  return -1;
}

/**
 * An integer in JSON's own spelling (no leading zeros, no "-0", no plus sign) starting at p and
 * ending at the next non-digit, or NaN. Sets stoppedAt.
 */
export function parsePlainInt(bytes: Uint8Array, p: number, end: number): number {
  const negative = bytes[p] === MINUS;
  if (negative) p++;
  const first = p;
  let n = 0;
  for (; p < end; p++) {
    const c = bytes[p]!;
    if (c < ZERO || c > NINE) break;
    n = n * 10 + (c - ZERO);
  }
  stoppedAt = p;
  const digits = p - first;
  if (digits < 1 || digits > 9) return Number.NaN;
  if (bytes[first] === ZERO && (digits > 1 || negative)) return Number.NaN;
  return negative ? -n : n;
}
