// `npm run dev` (wrangler dev) and a DNS-rebinding page (src/worker/middleware/local-host.ts).
// wrangler's proxy builds the URL the Worker sees, and rewrites its `Host`, from a client's
// `MF-Original-URL`, which a page on attacker.example:PORT (same-origin once its DNS answer turns
// to 127.0.0.1) may add to a fetch without a preflight. So under dev the Host check alone is
// passed; the page's `Origin`, which the browser sends on every write and the proxy leaves as it
// is, is refused instead. Its GETs stay readable under dev (decision 164, "Left").
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sleep } from "../../src/shared/sleep.ts";
import { callWithHost } from "../support/host-call.ts";
import { type Daemon, freePort, startDaemon } from "../support/proc.ts";
import { TEST_ADMIN_TOKEN } from "../support/server.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const DEV_READY_TIMEOUT_MS = 120_000;
const POLL_MS = 200;

let dev: Daemon | undefined;
let port = 0;
let stateDir = "";

beforeAll(async () => {
	stateDir = mkdtempSync(join(tmpdir(), "rg-state-"));
	port = await freePort();
	dev = startDaemon(process.execPath, [join(ROOT, "scripts", "dev.ts")], {
		cwd: ROOT,
		env: {
			...process.env,
			PORT: String(port),
			STATE_DIR: stateDir,
			ADMIN_TOKEN: TEST_ADMIN_TOKEN,
			RATE_LIMITS: "off",
		},
	});
	const deadline = Date.now() + DEV_READY_TIMEOUT_MS;
	while (!dev.output().includes("is running at")) {
		if (dev.exited()) throw new Error(`npm run dev exited:\n${dev.output()}`);
		if (Date.now() > deadline) throw new Error(`npm run dev did not start:\n${dev.output()}`);
		await sleep(POLL_MS);
	}
}, DEV_READY_TIMEOUT_MS + 10_000);
afterAll(async () => {
	await dev?.stop();
	if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

function newProduct(): Record<string, unknown> & { sku: string } {
	const sku = `DEVHOST-${crypto.randomUUID().slice(0, 8).toUpperCase()}`;
	return { sku, name: "Rebound", priceCents: 100, currency: "USD", totalStock: 1 };
}

describe("npm run dev and a rebinding page", () => {
	it("refuses its operator write even with MF-Original-URL naming a loopback URL, and changes nothing", async () => {
		const foreign = `attacker.example:${port}`;
		const page = { origin: `http://${foreign}` };
		for (const spoof of [false, true]) {
			const product = newProduct();
			const headers = spoof
				? { ...page, "mf-original-url": `http://localhost:${port}/api/admin/products` }
				: page;
			const create = await callWithHost(port, foreign, "POST", "/api/admin/products", {
				token: TEST_ADMIN_TOKEN,
				body: product,
				headers,
			});
			expect({ spoof, status: create.status }).toEqual({ spoof, status: 403 });
			expect(create.body.error?.code).toBe("forbidden");
			const after = await callWithHost(
				port,
				`127.0.0.1:${port}`,
				"GET",
				`/api/products/${product.sku}`,
			);
			expect({ spoof, status: after.status }).toEqual({ spoof, status: 404 });
		}
		// A foreign Host without the header is refused by the Host check, GET included.
		const read = await callWithHost(port, foreign, "GET", "/api/admin/limits", {
			token: TEST_ADMIN_TOKEN,
		});
		expect(read.status).toBe(403);
	});

	it("answers its own pages' writes as before", async () => {
		for (const origin of [`http://localhost:${port}`, `http://127.0.0.1:${port}`]) {
			const create = await callWithHost(port, `localhost:${port}`, "POST", "/api/admin/products", {
				token: TEST_ADMIN_TOKEN,
				body: newProduct(),
				headers: { origin },
			});
			expect({ origin, status: create.status }).toEqual({ origin, status: 201 });
		}
	});
});
