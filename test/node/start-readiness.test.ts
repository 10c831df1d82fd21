// `npm start` on a fresh state directory accepts no connection before the D1 migrations ran
// (scripts/runtime.ts migrateD1, docs/decisions/070-migrations-before-the-socket.md). A readiness
// probe that trusts the first `/healthz` 200 must find the catalogue working from then on: before
// the fix the socket served while the tables were being made, `/healthz` said ok and
// `GET /api/products` answered 503 (`no such table: products`) for the length of the migrations.
import { afterAll, describe, expect, it } from "vitest";
import { sleep } from "../../src/shared/sleep.ts";
import { freePort } from "../support/proc.ts";
import { startServer, type TestServer } from "../support/server.ts";

/** Between two probes of one path: tight enough to land inside a start's first moments. */
const PROBE_PAUSE_MS = 5;
/** One probe's bound: a start that hangs fails the test through startServer, not here. */
const PROBE_TIMEOUT_MS = 5_000;
const PROBED_PATHS = ["/healthz", "/api/products"] as const;

type Answer = { path: string; status: number; beforeReady: boolean };

describe("npm start's readiness", () => {
	let server: TestServer | undefined;
	afterAll(async () => {
		await server?.dispose();
	});

	it("answers its first request only once the catalogue's tables exist", async () => {
		const port = await freePort();
		const url = `http://127.0.0.1:${port}`;
		const answers: Answer[] = [];
		let ready = false;
		let probing = true;
		const probe = async (path: string) => {
			while (probing) {
				try {
					const res = await fetch(`${url}${path}`, {
						signal: AbortSignal.timeout(PROBE_TIMEOUT_MS),
					});
					await res.arrayBuffer();
					answers.push({ path, status: res.status, beforeReady: !ready });
				} catch {
					// Not listening yet: what a client should meet before the start is done.
				}
				await sleep(PROBE_PAUSE_MS);
			}
		};
		const probes = PROBED_PATHS.map((path) => probe(path));
		try {
			// The ready line (scripts/start.ts) comes after the demo product's seed.
			server = await startServer({ port });
			ready = true;
			// A few answers after the ready line as well.
			await sleep(PROBE_PAUSE_MS * 20);
		} finally {
			probing = false;
			await Promise.all(probes);
		}
		expect(answers.some((answer) => answer.path === "/healthz" && answer.status === 200)).toBe(
			true,
		);
		// Every answer, from the very first, is the answer of a ready server.
		const wrong = answers.filter((answer) => answer.status !== 200);
		expect(wrong.length, `first wrong answers: ${JSON.stringify(wrong.slice(0, 5))}`).toBe(0);
		const catalogue = answers.filter((answer) => answer.path === "/api/products");
		expect(catalogue.length).toBeGreaterThan(0);

		// Under the ready line: the three pages, and where the console's token comes from (here the
		// environment's ADMIN_TOKEN, which is the operator's own and never printed).
		const output = server.output();
		const lines = output.split("\n");
		const readyAt = lines.findIndex((l) => l.includes("is running at"));
		expect(lines.slice(readyAt + 1, readyAt + 3)).toEqual([
			`  store ${url}/ · console ${url}/console · demo ${url}/demo`,
			"  operator token for the console: the ADMIN_TOKEN you set (not printed)",
		]);
		expect(output).not.toContain(server.adminToken);
		// A normal start says nothing alarming: no stack trace, no warning.
		expect(output).not.toMatch(/^\s+at .+:\d+:\d+\)?$|warn|error/im);
	});

	it("says plainly when its own demo product was refused, and refuses an unusable ADMIN_TOKEN", async () => {
		// No ADMIN_TOKEN: the server runs (buyers can use what exists), but not as if all were well.
		const unseeded = await startServer({ env: { ADMIN_TOKEN: "" } });
		try {
			const line = unseeded
				.output()
				.split("\n")
				.find((l) => l.includes("is running at"));
			expect(line).toMatch(
				/is running at .*, but its demo product could not be seeded: ADMIN_TOKEN is not set, so every operator endpoint answers 403 and DEMO-SNEAKER was not created/,
			);
			// One status, the one the line explains: no request was answered 401 for an empty Bearer.
			expect(line).not.toMatch(/answered 40\d/);
		} finally {
			await unseeded.dispose();
		}
		// A token no Authorization header can carry ends the start with one line naming it, instead
		// of a server whose every operator call is refused.
		for (const token of ["t".repeat(513), "two words"]) {
			const start = startServer({ env: { ADMIN_TOKEN: token } });
			await expect(start, token).rejects.toThrow(/ADMIN_TOKEN must be at most 512 visible ASCII/);
			const error = await start.catch((e: Error) => e);
			expect(String(error)).not.toContain(token);
		}
	});
});
