/** Progress line on stderr (only when it is a terminal): files, samples, MB/s, ETA by bytes. */
export interface ProgressState {
  filesDone: number;
  filesTotal: number;
  samples: number;
  flagged: number;
  bytesDone: number;
  bytesTotal: number;
  startedMs: number;
  /** 'build': counts registry entries read (`entries N`) instead of samples and flagged. */
  kind?: 'scan' | 'build';
}

export function formatProgress(p: ProgressState, nowMs: number): string {
  const s = Math.max(0.001, (nowMs - p.startedMs) / 1000);
  const rate = p.bytesDone / 1e6 / s;
  const left = p.bytesTotal - p.bytesDone;
  const eta = rate > 0 && left > 0 ? left / 1e6 / rate : 0;
  const pct = p.bytesTotal ? ((100 * p.bytesDone) / p.bytesTotal).toFixed(1) : '100.0';
  const etaStr = eta >= 3600 ? `${(eta / 3600).toFixed(1)}h` : eta >= 60 ? `${(eta / 60).toFixed(1)}m` : `${eta.toFixed(0)}s`;
  const counts = p.kind === 'build' ? `entries ${p.samples}` : `samples ${p.samples}  flagged ${p.flagged}`;
  return `files ${p.filesDone}/${p.filesTotal}  ${counts}  ${pct}%  ${rate.toFixed(1)} MB/s  ETA ${etaStr}`;
}

export function terminalProgress(stream: NodeJS.WriteStream = process.stderr, intervalMs = 250) {
  let last = 0;
  return {
    update(p: ProgressState, force = false) {
      const now = Date.now();
      if (!force && now - last < intervalMs) return;
      last = now;
      stream.write(`\r\x1b[K${formatProgress(p, now)}`);
    },
    done() {
      stream.write('\n');
    },
  };
}

/**
 * The byte and file accounting of a progress line, for the batches of one file after another: a batch reports the
 * bytes of its file read so far (`batch.bytesRead`), and a finished file counts as its whole size (a failed read
 * included, so that the percentage ends at 100).
 */
export function trackFiles(p: ProgressState) {
  let seen = 0;
  return {
    batch(bytesRead: number, samples: number): void {
      p.bytesDone += bytesRead - seen;
      seen = bytesRead;
      p.samples += samples;
    },
    fileDone(size: number): void {
      p.bytesDone += size - seen;
      seen = 0;
      p.filesDone++;
    },
  };
}
