// Showing a cluster's progress: a block redrawn in place on a terminal, plain lines on
// anything else (CI logs, files), one per change.
import { progressBlock, progressLine, type ProgressSnapshot } from './cluster-progress.ts';
import type { TextWriter } from './context.ts';
import { humanDuration } from './duration.ts';

export interface ProgressDisplay {
  /** The cluster or its machines changed. */
  update(snapshot: ProgressSnapshot): void;
  /** Stop redrawing; what was drawn last stays on screen. */
  stop(): void;
}

export interface ProgressDisplayOptions {
  out: TextWriter;
  now: () => number;
  /** When the wait started: elapsed times count from here. */
  startedAt: number;
  /** How often a terminal block is redrawn to move its clock. */
  redrawIntervalMs?: number;
}

export function progressDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  return options.out.isTTY ? terminalDisplay(options) : logDisplay(options);
}

/** `[12s] Provisioning 0/4 nodes | …`, printed only when the line (clock aside) changes. */
function logDisplay({ out, now, startedAt }: ProgressDisplayOptions): ProgressDisplay {
  let last: string | undefined;
  return {
    update(snapshot) {
      const line = progressLine(snapshot);
      if (line === last) return;
      last = line;
      out.write(`[${humanDuration(now() - startedAt)}] ${line}\n`);
    },
    stop() {},
  };
}

// CSI sequences: cursor to the start of the line N lines up; erase to the end of screen.
const cursorUp = (lines: number) => `\x1b[${lines}F`;
const eraseDown = '\x1b[J';

function terminalDisplay(options: ProgressDisplayOptions): ProgressDisplay {
  const { out, now, startedAt } = options;
  let snapshot: ProgressSnapshot | undefined;
  let drawnLines = 0;
  let timer: ReturnType<typeof setInterval> | undefined;
  // Lines longer than the terminal wrap, and the cursor would no longer find the top.
  const fit = (line: string) => {
    const width = (out.columns ?? 0) - 1;
    return width > 0 && line.length > width ? `${line.slice(0, width - 1)}…` : line;
  };
  const draw = () => {
    if (!snapshot) return;
    const lines = progressBlock(snapshot, now() - startedAt).map(fit);
    const home = drawnLines > 0 ? `${cursorUp(drawnLines)}${eraseDown}` : '';
    out.write(`${home}${lines.join('\n')}\n`);
    drawnLines = lines.length;
  };
  return {
    update(next) {
      snapshot = next;
      draw();
      if (!timer) {
        timer = setInterval(draw, options.redrawIntervalMs ?? 1000);
        timer.unref();
      }
    },
    stop() {
      clearInterval(timer);
      timer = undefined;
    },
  };
}
