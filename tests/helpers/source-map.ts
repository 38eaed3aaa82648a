// Which source file a place in a built file comes from, by its source map (version 3, as esbuild writes it). Only
// what the tests ask: the source of a generated line and column (no names, no original positions).

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

interface RawMap {
  sources: string[];
  mappings: string;
}

/** Each generated line's segments, as [generated column, source index], in column order. */
export function sourceLookup(map: RawMap): (line: number, column: number) => string | undefined {
  const lines: [number, number][][] = [];
  let source = 0;
  for (const text of map.mappings.split(';')) {
    const segments: [number, number][] = [];
    let column = 0;
    for (const segment of text.split(',')) {
      if (segment === '') continue;
      const fields = decodeVlq(segment);
      column += fields[0]!;
      if (fields.length >= 4) {
        source += fields[1]!;
        segments.push([column, source]);
      }
    }
    lines.push(segments);
  }
  /** 1-based line, 0-based column: the source of the last segment at or before it. */
  return (line, column) => {
    const segments = lines[line - 1] ?? [];
    let found: number | undefined;
    for (const [at, index] of segments) {
      if (at > column) break;
      found = index;
    }
    return found === undefined ? undefined : map.sources[found];
  };
}

function decodeVlq(segment: string): number[] {
  const values: number[] = [];
  let value = 0;
  let shift = 0;
  for (const char of segment) {
    const digit = BASE64.indexOf(char);
    if (digit < 0) throw new Error(`source map: "${char}" is not a base64 digit`);
    value += (digit & 31) << shift;
    if (digit & 32) shift += 5;
    else {
      values.push(value & 1 ? -(value >>> 1) : value >>> 1);
      value = 0;
      shift = 0;
    }
  }
  return values;
}
