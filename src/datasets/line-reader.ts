import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';

export interface Line {
  text: string;
  /** 1-based, as editors show it. */
  lineNo: number;
  /** Bytes of the file consumed so far (read-ahead granularity, for progress). */
  bytesRead: number;
}

/**
 * Streams a text file line by line in constant memory. Handles LF and CRLF endings and a
 * UTF-8 byte-order mark on the first line (spreadsheet exports carry both).
 */
export async function* readLines(path: string): AsyncGenerator<Line> {
  const stream = createReadStream(path, { encoding: 'utf8', highWaterMark: 1 << 20 });
  const rl = createInterface({ input: stream, crlfDelay: Infinity });
  let lineNo = 0;
  try {
    for await (const raw of rl) {
      lineNo++;
      let text = lineNo === 1 && raw.charCodeAt(0) === 0xfeff ? raw.slice(1) : raw;
      if (text.endsWith('\r')) text = text.slice(0, -1);
      yield { text, lineNo, bytesRead: stream.bytesRead };
    }
  } finally {
    rl.close();
    stream.destroy();
  }
}
