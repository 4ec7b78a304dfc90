// Where a follower stopped in a container's log, so that re-reading it (after a restart
// of the container or of the follower) writes each line exactly once. Docker's timestamps
// have nanoseconds but two lines can still share one; the count of lines already written
// with the last timestamp settles that.
import { sortableTimestamp } from './screen.js';

export interface Position {
  /** Sortable timestamp of the last line written. */
  ts: string;
  /** How many lines with exactly that timestamp were written. */
  same: number;
}

/** A filter for one pass over a log: true for the lines to write, in order. */
export function resumeFrom(position: Position): (timestamp: string) => boolean {
  let skip = position.same;
  return (timestamp) => {
    const ts = sortableTimestamp(timestamp);
    if (ts < position.ts) return false;
    if (ts === position.ts) {
      if (skip > 0) {
        skip--;
        return false;
      }
      position.same++;
      return true;
    }
    position.ts = ts;
    position.same = 1;
    skip = 0;
    return true;
  };
}
