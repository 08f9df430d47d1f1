/** Whether an Accept-Encoding header allows gzip ("gzip", "gzip;q=0.5", "*"), but not "gzip;q=0". */
export function acceptsGzip(header: string | string[] | undefined): boolean {
  if (header === undefined) return false;
  const value = Array.isArray(header) ? header.join(',') : header;
  let gzip: boolean | undefined;
  let star = false;
  for (const part of value.split(',')) {
    const [name = '', ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    const allowed = q === undefined || Number(q.slice(2)) > 0;
    if (name.trim() === 'gzip' || name.trim() === 'x-gzip') gzip = allowed;
    else if (name.trim() === '*') star = allowed;
  }
  return gzip ?? star;
}
