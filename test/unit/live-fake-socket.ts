// A socket as the hibernation API hands it to the live feed (src/inventory/live.ts), for the feed's
// unit tests: what it was sent, an attachment that survives, and the readiness the runtime keeps.
import type { Availability } from "../../src/shared/types.ts";

/** A socket as the hibernation API hands it over: send, and an attachment that survives. */
export class FakeSocket {
	readonly sent: Availability[] = [];
	private attachment: unknown = null;
	/** How often its attachment was read and written. */
	reads = 0;
	writes = 0;
	send(message: string): void {
		this.sent.push(JSON.parse(message) as Availability);
	}
	serializeAttachment(value: unknown): void {
		this.writes++;
		this.attachment = structuredClone(value);
	}
	deserializeAttachment(): unknown {
		this.reads++;
		return this.attachment;
	}
	/** The code the feed closed it with, if it did. */
	closedWith: number | null = null;
	/** Every close the feed called, in order (workerd ignores a second one:
	 * docs/decisions/171-a-client-that-ignores-the-close-and-the-feeds-asks.md). */
	readonly closes: number[] = [];
	close(code?: number): void {
		this.closes.push(code ?? 1005);
		if (this.closedWith === null) this.closedWith = code ?? null;
	}
	/** OPEN (1) until the feed closes it, then CLOSING (2) until its client answers, if ever. */
	get readyState(): number {
		return this.closedWith === null ? 1 : 2;
	}
}

export const asWs = (s: FakeSocket) => s as unknown as WebSocket;
