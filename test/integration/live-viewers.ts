// Live-feed viewers through the Worker, for the workers tests of the feed's per-address places
// (live-address-cap, address-refusals): an upgrade from an address, and a viewer whose socket is
// accepted once its first frame came. Every socket a test file's viewers opened is closed after
// each test (`liveViewers` registers the hook in the file that calls it).
import { exports } from "cloudflare:workers";
import { afterEach, expect } from "vitest";

const worker = (exports as unknown as { default: { fetch(r: Request): Promise<Response> } })
	.default;

/** `GET …/live` as an upgrade from `ip`, with any further headers. */
export function upgrade(
	sku: string,
	ip: string,
	headers: Record<string, string> = {},
): Promise<Response> {
	return worker.fetch(
		new Request(`http://rg.test/api/products/${sku}/live`, {
			headers: { upgrade: "websocket", "cf-connecting-ip": ip, ...headers },
		}),
	);
}

export interface LiveViewers {
	/** The sockets open now, oldest first; a test may close and take them itself. */
	opened: WebSocket[];
	/** A viewer from `ip`: its socket, accepted, once its first message came. */
	viewer(sku: string, ip: string, headers?: Record<string, string>): Promise<WebSocket>;
}

export function liveViewers(): LiveViewers {
	const opened: WebSocket[] = [];
	afterEach(() => {
		for (const ws of opened.splice(0)) ws.close(1000, "done");
	});
	return {
		opened,
		async viewer(sku, ip, headers = {}) {
			const res = await upgrade(sku, ip, headers);
			expect(res.status).toBe(101);
			const ws = res.webSocket;
			if (ws === null) throw new Error("no WebSocket in the 101 response");
			const first = new Promise((resolve) =>
				ws.addEventListener("message", resolve, { once: true }),
			);
			ws.accept();
			opened.push(ws);
			await first;
			return ws;
		},
	};
}
