// A Durable Object class removed by a `deleted_classes` migration (wrangler.jsonc,
// v6-drop-cost-ledger: the per-session CostLedgerObject, decision 093): `npm start` no longer
// declares it to workerd (scripts/runtime.ts durableObjectClasses), which warns at every start
// about a declared class the bundle does not export and may one day refuse it; and a STATE_DIR an
// older release wrote, with that class's objects still on disk, starts and serves, the old files
// left as they were, never read.
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DatabaseSync } from "node:sqlite";
import { afterAll, describe, expect, it } from "vitest";
import { durableObjectClasses, readWranglerConfig } from "../../scripts/runtime.ts";
import type { CostLedger, Guardrail } from "../../src/shared/types.ts";
import { objectFiles } from "../support/local-storage.ts";
import { api, startServer, type TestServer } from "../support/server.ts";

const DELETED = "CostLedgerObject";

/** One session's ledger as the per-session class stored it (its table and guardrail row). */
function writeOldLedger(stateDir: string): string {
	const dir = join(stateDir, "v3", "do", `revenue-guard-${DELETED}`);
	mkdirSync(dir, { recursive: true });
	const name = `${crypto.randomUUID().replaceAll("-", "")}${"0".repeat(32)}.sqlite`;
	const db = new DatabaseSync(join(dir, name));
	db.exec("CREATE TABLE ledger (id INTEGER PRIMARY KEY CHECK (id = 1), virtual_usd REAL NOT NULL)");
	db.exec(`CREATE TABLE guardrail (id INTEGER PRIMARY KEY CHECK (id = 1),
		threshold_usd REAL NOT NULL, manual INTEGER NOT NULL, version INTEGER NOT NULL)`);
	db.exec("INSERT INTO ledger (id, virtual_usd) VALUES (1, 0.25)");
	db.exec("INSERT INTO guardrail (id, threshold_usd, manual, version) VALUES (1, 0.01, 0, 1)");
	db.close();
	return name;
}

describe("a Durable Object class deleted by a migration", () => {
	let server: TestServer | undefined;
	const stateDir = mkdtempSync(join(tmpdir(), "rg-state-"));
	afterAll(async () => {
		await server?.dispose();
		rmSync(stateDir, { recursive: true, force: true });
	});

	it("is not declared to workerd; the classes still bound are", () => {
		const wrangler = readWranglerConfig();
		const classes = durableObjectClasses(wrangler);
		expect(classes).not.toContain(DELETED);
		expect(classes.sort()).toEqual(
			wrangler.durable_objects.bindings.map((b) => b.class_name).sort(),
		);
	});

	it("an older STATE_DIR holding its objects starts and serves, its files untouched", async () => {
		const file = writeOldLedger(stateDir);
		const before = readFileSync(join(stateDir, "v3", "do", `revenue-guard-${DELETED}`, file));
		server = await startServer({ stateDir });
		const session = await api<{ token: string }>(server, "POST", "/api/sessions", {
			body: { turnstileToken: server.debugToken },
		});
		expect(session.status).toBe(201);
		const token = session.body.data?.token ?? "";
		// The demo guardrail and the running total live in the ledger groups alone.
		const set = await api<Guardrail>(server, "POST", "/api/demo/guardrail", {
			token,
			body: { thresholdUsd: 0.02 },
		});
		expect(set.status).toBe(200);
		expect(set.body.data).toMatchObject({ thresholdUsd: 0.02, source: "demo" });
		const read = await api<Guardrail>(server, "GET", "/api/demo/guardrail", { token });
		expect(read.status).toBe(200);
		const cost = read.body.meta?.cost as CostLedger;
		expect(cost.virtualUsd).toBeGreaterThan(0);
		expect(cost.virtualUsd).toBeLessThan(0.25);
		expect(server.output()).not.toMatch(/no such Durable Object class is exported/);
		await server.stop();
		expect(objectFiles(stateDir, DELETED)).toEqual([file]);
		expect(
			readFileSync(join(stateDir, "v3", "do", `revenue-guard-${DELETED}`, file)).equals(before),
		).toBe(true);
	});
});
