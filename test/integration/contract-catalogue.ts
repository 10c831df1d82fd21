// The contract test's drive of the public catalogue and availability routes and the buyer's
// read of its holds on a SKU (contract.test.ts; docs/api.md "Catalogue and availability", "The
// session's holds"): good and bad input, each answer recorded under its route.

import type { answerRecorder } from "./contract-support.ts";

type Send = ReturnType<typeof answerRecorder>["send"];

export async function driveCatalogue(
	send: Send,
	{ sku, unknown, buyer }: { sku: string; unknown: string; buyer: string },
): Promise<void> {
	await send("GET /api/products", "good", "/api/products");
	await send("GET /api/products/:sku", "good", `/api/products/${sku}`);
	await send("GET /api/products/:sku", "unknown", `/api/products/${unknown}`);
	await send("GET /api/products/:sku", "not a SKU", "/api/products/no%20such%20sku");
	await send("GET /api/products/:sku/availability", "good", `/api/products/${sku}/availability`);
	await send(
		"GET /api/products/:sku/availability",
		"unknown",
		`/api/products/${unknown}/availability`,
	);
	const LIVE = "GET /api/products/:sku/live";
	await send(LIVE, "good", `/api/products/${sku}/live`, { headers: { upgrade: "websocket" } });
	await send(LIVE, "no Upgrade", `/api/products/${sku}/live`);
	await send(LIVE, "unknown", `/api/products/${unknown}/live`, {
		headers: { upgrade: "websocket" },
	});
	const MINE = "GET /api/products/:sku/holds/mine";
	await send(MINE, "good", `/api/products/${sku}/holds/mine`, { token: buyer });
	await send(MINE, "no session", `/api/products/${sku}/holds/mine`);
	await send(MINE, "unknown", `/api/products/${unknown}/holds/mine`, { token: buyer });
	await send(MINE, "not a SKU", "/api/products/no%20such%20sku/holds/mine", { token: buyer });
}
