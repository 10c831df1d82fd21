// Progress on stderr: one line rewritten in place on a terminal, a plain line
// every few seconds otherwise (CI logs, a test's pipe), so stdout stays clean
// for the result (with --json its last line is the JSON object).

/** A terminal redraws at most this often. */
const TTY_REDRAW_MS = 100;
/** A log gets a progress line at most this often. */
const LOG_LINE_MS = 2_000;

export class Progress {
	private readonly out: NodeJS.WriteStream;
	private readonly tty: boolean;
	private lastMs = 0;
	private pending = false;

	// No parameter properties: Node runs this file by type stripping, which does not rewrite them.
	constructor(out: NodeJS.WriteStream = process.stderr) {
		this.out = out;
		this.tty = out.isTTY === true;
	}

	/** A transient status; drawn now or dropped if the last one was too recent. */
	update(text: string): void {
		const now = performance.now();
		if (now - this.lastMs < (this.tty ? TTY_REDRAW_MS : LOG_LINE_MS)) return;
		this.lastMs = now;
		if (this.tty) {
			this.out.write(`\r\x1b[2K${text}`);
			this.pending = true;
		} else {
			this.out.write(`${text}\n`);
		}
	}

	/** A line that stays (a phase finished, a warning). */
	line(text: string): void {
		if (this.pending) this.out.write("\r\x1b[2K");
		this.pending = false;
		this.out.write(`${text}\n`);
		// The next status may draw at once.
		this.lastMs = 0;
	}
}
