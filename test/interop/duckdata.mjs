// duckdata.mjs — deterministic test tables written to Parquet by DuckDB.
//
// Owns the SQL that builds the "every supported type" table (smallint, int,
// bigint, real, double, decimal(9,2), decimal(18,4), decimal(38,10),
// varchar, blob, boolean, date, timestamp, timestamptz, uuid, json, plus an
// all-NULL column) in two flavours — dictionary-friendly (few distinct
// values) and high-cardinality — with NULLs sprinkled per column, extreme
// values (INT64_MIN/MAX, NaN, +-Infinity, -0.0, empty strings, non-ASCII)
// and no randomness: every value is a function of the row number.
import { sqlLit } from './lib.mjs';

export const CODECS = ['zstd', 'lz4_raw', 'snappy', 'gzip', 'uncompressed'];
export const VERSIONS = ['v1', 'v2'];

// hash of the row number and a per-column salt, as UBIGINT
const H = salt => `hash(i * 7919 + ${salt})`;
const nullIf = (salt, expr) => `CASE WHEN (i + ${salt}) % 13 = 0 THEN NULL ELSE ${expr} END`;

// a decimal literal built from an integer expression x with s fractional digits
function decimalOf(x, p, s) {
  // sign, integer part and zero-padded fraction, then cast from text
  return `CAST(CASE WHEN (${x}) < 0 THEN '-' ELSE '' END || CAST(abs(${x}) // ${10n ** BigInt(s)} AS VARCHAR) || '.' ||
    lpad(CAST(abs(${x}) % ${10n ** BigInt(s)} AS VARCHAR), ${s}, '0') AS DECIMAL(${p},${s}))`;
}

export function allTypesSql(rows, dict) {
  const cols = dict ? {
    c_smallint: `CAST((i % 5) * 100 - 200 AS SMALLINT)`,
    c_int: `CAST((i % 6) * 100000 - 7 AS INTEGER)`,
    c_bigint: `CAST((i % 4) * 10000000000 - 1 AS BIGINT)`,
    c_real: `CAST((i % 3) * 0.5 AS REAL)`,
    c_double: `CAST((i % 4) * 1.25 - 2 AS DOUBLE)`,
    c_dec9: decimalOf(`(i % 5) * 12345 - 30000`, 9, 2),
    c_dec18: decimalOf(`(i % 3) * 123456789012 - 1`, 18, 4),
    c_dec38: decimalOf(`CAST(i % 4 AS HUGEINT) * 12345678901234567890123 - 5`, 38, 10),
    c_varchar: `'category_' || CAST(i % 10 AS VARCHAR)`,
    c_blob: `unhex(lpad(CAST(i % 4 AS VARCHAR), 6, '0'))`,
    c_bool: `i % 3 = 0`,
    c_date: `DATE '2026-11-20' + CAST(i % 3 AS INTEGER)`,
    c_ts: `TIMESTAMP '2026-11-20 10:00:00' + to_hours(CAST(i % 4 AS BIGINT))`,
    c_tstz: `CAST(TIMESTAMP '2026-11-20 23:59:59.5' + to_minutes(CAST(i % 5 AS BIGINT)) AS TIMESTAMPTZ)`,
    c_uuid: `CAST(md5(CAST(i % 3 AS VARCHAR)) AS UUID)`,
    c_json: `CAST('{"a":' || CAST(i % 3 AS VARCHAR) || '}' AS JSON)`,
  } : {
    c_smallint: `CAST(CAST(${H(1)} % 65536 AS INTEGER) - 32768 AS SMALLINT)`,
    c_int: `CAST(CAST(${H(2)} % 4294967296 AS BIGINT) - 2147483648 AS INTEGER)`,
    c_bigint: `CASE WHEN i % 97 = 5 THEN -9223372036854775808 WHEN i % 89 = 6 THEN 9223372036854775807
                ELSE CAST(CAST(${H(3)} AS HUGEINT) - 9223372036854775808 AS BIGINT) END`,
    c_real: `CASE WHEN i % 53 = 7 THEN CAST('NaN' AS REAL) WHEN i % 59 = 8 THEN CAST('inf' AS REAL)
                WHEN i % 61 = 9 THEN CAST('-inf' AS REAL) WHEN i % 67 = 10 THEN -CAST(0 AS REAL)
                ELSE CAST(CAST(${H(4)} % 2000000 AS DOUBLE) / 1000 - 1000 AS REAL) END`,
    c_double: `CASE WHEN i % 53 = 11 THEN CAST('NaN' AS DOUBLE) WHEN i % 59 = 12 THEN CAST('inf' AS DOUBLE)
                WHEN i % 61 = 13 THEN CAST('-inf' AS DOUBLE) WHEN i % 67 = 14 THEN -CAST(0 AS DOUBLE)
                ELSE (CAST(${H(5)} AS DOUBLE) - 9.2e18) / 3.3e9 END`,
    c_dec9: decimalOf(`CAST(${H(6)} % 1999999999 AS BIGINT) - 999999999`, 9, 2),
    c_dec18: decimalOf(`CAST(${H(7)} % 1999999999999999999 AS BIGINT) - 999999999999999999`, 18, 4),
    c_dec38: decimalOf(`CAST(${H(8)} % 10000000000000000000 AS HUGEINT) * CAST(${H(9)} % 10000000000000000000 AS HUGEINT)
                * (CASE WHEN i % 2 = 0 THEN -1 ELSE 1 END)`, 38, 10),
    c_varchar: `CASE WHEN i % 50 = 1 THEN '' WHEN i % 50 = 2 THEN 'é✓ 日本 ' || CAST(i AS VARCHAR)
                ELSE md5(CAST(i AS VARCHAR)) || repeat('x', CAST(i % 17 AS INTEGER)) END`,
    c_blob: `CASE WHEN i % 40 = 3 THEN CAST('' AS BLOB) ELSE unhex(md5(CAST(i * 3 AS VARCHAR))) END`,
    c_bool: `${H(10)} % 2 = 0`,
    c_date: `DATE '1970-01-01' + CAST(CAST(${H(11)} % 80000 AS BIGINT) - 40000 AS INTEGER)`,
    c_ts: `make_timestamp(CAST(CAST(${H(12)} % 4000000000000000 AS HUGEINT) - 2000000000000000 AS BIGINT))`,
    c_tstz: `CAST(make_timestamp(CAST(CAST(${H(13)} % 4000000000000000 AS HUGEINT) - 1000000000000000 AS BIGINT)) AS TIMESTAMPTZ)`,
    c_uuid: `CAST(md5(CAST(i AS VARCHAR) || 'u') AS UUID)`,
    c_json: `CAST(json_object('i', i, 's', 'v' || CAST(i % 7 AS VARCHAR)) AS JSON)`,
  };
  const parts = [`CAST(i AS BIGINT) AS id`];
  let salt = 1;
  for (const [name, expr] of Object.entries(cols)) parts.push(`${nullIf(salt++, expr)} AS ${name}`);
  parts.push(`CAST(NULL AS INTEGER) AS c_allnull`);
  return `SELECT ${parts.join(',\n  ')}\nFROM range(${rows}) r(i)`;
}

// Write the table with DuckDB; returns the file name.
export async function writeAllTypes(db, file, { rows = 3000, dict = false, codec = 'zstd', version = 'v1', rowGroupSize = 1024 } = {}) {
  await db.run(`COPY (${allTypesSql(rows, dict)}) TO ${sqlLit(file)}
    (FORMAT parquet, COMPRESSION ${codec}, PARQUET_VERSION ${version}, ROW_GROUP_SIZE ${rowGroupSize})`);
  return file;
}
