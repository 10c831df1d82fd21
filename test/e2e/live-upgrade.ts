// What the server answers a WebSocket upgrade of a SKU's live feed, read as a plain HTTP answer:
// the refusals a page's WebSocket cannot read (storefront-feed-bound, storefront-feed-address).

import { request } from "node:http";
import type { TestServer } from "../support/server.ts";

export interface UpgradeAnswer {
	status: number;
	retryAfter: string | undefined;
	body: string;
}

/** The answer to one upgrade; an accepted one leaves at once, so it takes no place. */
export function upgradeAnswer(
	server: TestServer,
	sku: string,
	headers: Record<string, string> = {},
): Promise<UpgradeAnswer> {
	return new Promise((resolve, reject) => {
		const req = request(`${server.url}/api/products/${sku}/live`, {
			headers: {
				connection: "Upgrade",
				upgrade: "websocket",
				"sec-websocket-version": "13",
				"sec-websocket-key": Buffer.from(crypto.randomUUID().slice(0, 16)).toString("base64"),
				...headers,
			},
		});
		req.on("upgrade", (res, socket) => {
			// Accepted: this viewer must not take the place, so it leaves at once.
			socket.destroy();
			resolve({ status: res.statusCode ?? 0, retryAfter: undefined, body: "" });
		});
		req.on("response", (res) => {
			let body = "";
			res.setEncoding("utf8");
			res.on("data", (chunk: string) => {
				body += chunk;
			});
			res.on("end", () => {
				const retry = res.headers["retry-after"];
				resolve({ status: res.statusCode ?? 0, retryAfter: retry, body });
			});
		});
		req.on("error", reject);
		req.end();
	});
}
