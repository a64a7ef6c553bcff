// A minimal POSIX ustar writer: regular files from disk or memory, streamed, so `tar xf` (any POSIX
// tar) unpacks the bundle. Names up to 100 bytes; no links, no long-name extensions needed here.
import { createReadStream } from "node:fs";
import { stat } from "node:fs/promises";

export type TTarEntry = { name: string; mode?: number; mtime: Date } & ({ file: string } | { data: string | Buffer });

const BLOCK = 512;

export async function* tarStream(entries: TTarEntry[]): AsyncGenerator<Buffer> {
  for (const entry of entries) {
    const data = "data" in entry ? Buffer.from(entry.data) : null;
    const size = data ? data.length : (await stat((entry as { file: string }).file)).size;
    yield header(entry.name, size, entry.mode ?? 0o644, entry.mtime);
    if (data) yield data;
    else for await (const chunk of createReadStream((entry as { file: string }).file)) yield chunk as Buffer;
    const pad = (BLOCK - (size % BLOCK)) % BLOCK;
    if (pad > 0) yield Buffer.alloc(pad);
  }
  yield Buffer.alloc(BLOCK * 2);
}

function header(name: string, size: number, mode: number, mtime: Date): Buffer {
  const h = Buffer.alloc(BLOCK);
  if (Buffer.byteLength(name) > 100) throw new Error(`tar: name too long: ${name}`);
  h.write(name, 0, 100, "utf8");
  octal(h, 100, 8, mode);
  octal(h, 108, 8, 0); // uid
  octal(h, 116, 8, 0); // gid
  octal(h, 124, 12, size);
  octal(h, 136, 12, Math.floor(mtime.getTime() / 1000));
  h.fill(0x20, 148, 156); // checksum counted as spaces
  h.write("0", 156, 1, "ascii"); // regular file
  h.write("ustar\u000000", 257, 8, "binary");
  let sum = 0;
  for (const byte of h) sum += byte;
  h.write(`${sum.toString(8).padStart(6, "0")}\u0000 `, 148, 8, "binary");
  return h;
}

function octal(buf: Buffer, offset: number, length: number, value: number): void {
  buf.write(`${value.toString(8).padStart(length - 1, "0")}\u0000`, offset, length, "ascii");
}
