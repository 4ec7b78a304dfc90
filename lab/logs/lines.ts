// Bytes from the Docker engine, chunk by chunk, into whole lines. Pure: no streams, no I/O.
// A chunk can end inside a UTF-8 character (a network read, or Docker's own 16 KiB split
// of a long line), so bytes are decoded by a StringDecoder, which holds a character's first
// bytes back until the rest arrive, instead of one toString per chunk, which garbles it.
import { StringDecoder } from 'node:string_decoder';

/** Splits a byte stream at '\n'; the last line is given at `end()` even without one. */
export class LineSplitter {
  private readonly decoder = new StringDecoder('utf8');
  private rest = '';

  constructor(private readonly onLine: (line: string) => void) {}

  write(chunk: Buffer): void {
    const lines = (this.rest + this.decoder.write(chunk)).split('\n');
    this.rest = lines.pop() ?? '';
    for (const line of lines) this.onLine(line);
  }

  end(): void {
    const last = this.rest + this.decoder.end();
    this.rest = '';
    if (last !== '') this.onLine(last);
  }
}

const HEADER_BYTES = 8;
const STDOUT = 1;
const STDERR = 2;

interface Channel {
  splitter: LineSplitter;
  /** The last frame did not end its line: the next one goes on with it. */
  continuing: boolean;
}

/**
 * Docker's multiplexed log stream (`timestamps: true`) into (timestamp, text) lines, stdout
 * and stderr as Docker stored them. Each frame is an 8-byte header (stream, length) and
 * "<timestamp> <bytes>". Docker cuts a line longer than 16 KiB into several frames, each with
 * its own copy of the timestamp: a frame that goes on with the previous one's line loses its
 * timestamp, so the line comes out whole and once. A stream that is not multiplexed (a
 * container with a TTY) is read as plain lines, as dockerode's demuxer does.
 */
export class DockerLogLines {
  private pending: Buffer = Buffer.alloc(0);
  private raw: Channel | undefined;
  private readonly channels = new Map<number, Channel>();

  constructor(private readonly onLine: (timestamp: string, text: string) => void) {}

  write(chunk: Buffer): void {
    if (this.raw) return this.raw.splitter.write(chunk);
    this.pending = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk]);
    while (this.pending.length >= HEADER_BYTES) {
      const stream = this.pending.readUInt8(0);
      if (stream !== STDOUT && stream !== STDERR && stream !== 0) {
        this.raw = this.channel(-1);
        this.raw.splitter.write(this.pending);
        this.pending = Buffer.alloc(0);
        return;
      }
      const size = this.pending.readUInt32BE(4);
      if (this.pending.length < HEADER_BYTES + size) return;
      this.frame(this.channel(stream), this.pending.subarray(HEADER_BYTES, HEADER_BYTES + size));
      this.pending = this.pending.subarray(HEADER_BYTES + size);
    }
  }

  /** The stream ended: a last line without '\n' is given too. */
  end(): void {
    for (const channel of this.channels.values()) channel.splitter.end();
  }

  private frame(channel: Channel, payload: Buffer): void {
    let body = payload;
    if (channel.continuing) {
      const space = payload.indexOf(0x20);
      body = space >= 0 ? payload.subarray(space + 1) : payload;
    }
    channel.continuing = payload.length > 0 && payload[payload.length - 1] !== 0x0a;
    channel.splitter.write(body);
  }

  private channel(stream: number): Channel {
    let channel = this.channels.get(stream);
    if (!channel) {
      channel = { splitter: new LineSplitter((line) => this.emit(line)), continuing: false };
      this.channels.set(stream, channel);
    }
    return channel;
  }

  private emit(line: string): void {
    const space = line.indexOf(' ');
    if (space > 0) this.onLine(line.slice(0, space), line.slice(space + 1));
  }
}
