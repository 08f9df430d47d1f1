import assert from 'node:assert/strict';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { dataFile } from '@covertype/testkit';
import { CovertypeCsvError, readCovertypeCsv } from '../src/index.ts';

const HEADER =
  'Elevation,Aspect,Slope,Horizontal_Distance_To_Hydrology,Vertical_Distance_To_Hydrology,Horizontal_Distance_To_Roadways,Hillshade_9am,Hillshade_Noon,Hillshade_3pm,Horizontal_Distance_To_Fire_Points,Wilderness_Area,Soil_Type,Cover_Type';

async function tempCsv(content: string): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'covertype-csv-'));
  const file = path.join(dir, 'rows.csv');
  await writeFile(file, content);
  return file;
}

describe('readCovertypeCsv', () => {
  it('reads the 75,000 training rows with no rejects', async () => {
    const summary = await readCovertypeCsv(dataFile('covertype.csv'));
    assert.equal(summary.total, 75_000);
    assert.equal(summary.rows.length, 75_000);
    assert.deepEqual(summary.rejects, []);
    assert.equal(summary.labelled, true);
  });

  it('reports every bad row of the anomalies file with its line and reason', async () => {
    const summary = await readCovertypeCsv(dataFile('covertype_anomalies.csv'));
    assert.equal(summary.total, 75_000);
    assert.ok(summary.rejects.length > 0, 'the anomalies file has bad rows');
    assert.equal(summary.rows.length + summary.rejects.length, 75_000, 'no row silently dropped');
    assert.ok((summary.rejectsByField.Slope ?? 0) > 0);
    assert.ok((summary.rejectsByField.Soil_Type ?? 0) > 0);
    const slope = summary.rejects.find((r) => r.field === 'Slope')!;
    assert.match(slope.reason, /above the maximum 90/);
    assert.equal(slope.record[2], '110');
    assert.ok(slope.line >= 2);
  });

  it('reads unlabelled serving rows', async () => {
    const summary = await readCovertypeCsv(dataFile('covertype_serving.csv'));
    assert.equal(summary.labelled, false);
    assert.equal(summary.rows.length, 75_000);
    assert.equal('Cover_Type' in summary.rows[0]!, false);
  });

  it('reports a short row instead of failing the file', async () => {
    const file = await tempCsv(
      `${HEADER}\n2862,294,22\n2988,210,11,90,0,5366,211,251,174,2024,Rawah,7202,1\n`,
    );
    const summary = await readCovertypeCsv(file);
    assert.equal(summary.rows.length, 1);
    assert.deepEqual(
      summary.rejects.map((r) => [r.line, r.field]),
      [[2, 'row']],
    );
    assert.match(summary.rejects[0]!.reason, /has 3 fields, expected 13/);
  });

  it('refuses a file with the wrong header', async () => {
    const file = await tempCsv('a,b,c\n1,2,3\n');
    await assert.rejects(readCovertypeCsv(file), (err: Error) => {
      assert.ok(err instanceof CovertypeCsvError);
      assert.match(err.message, /unexpected CSV header "a,b,c"/);
      return true;
    });
  });

  it('refuses a missing file with a readable message', async () => {
    await assert.rejects(
      readCovertypeCsv('/nonexistent/covertype.csv'),
      /cannot read \/nonexistent\/covertype.csv: no such file/,
    );
  });
});
