// The production bundle builds (README.md, "Deploy": a test validates the
// production bundle): `wrangler deploy --dry-run` on wrangler.jsonc as
// committed, offline, and the bundle it writes is a Worker that exports the
// Durable Object classes it binds and carries no test code or secrets.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { gzipSync } from "node:zlib";
import { afterAll, describe, expect, it } from "vitest";
import { runCommand } from "../support/proc.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));
const WRANGLER = join(ROOT, "node_modules", "wrangler", "bin", "wrangler.js");
/** Workers' compressed script size limit on the free plan (the stricter one). */
const MAX_GZIP_BYTES = 3 * 1024 * 1024;
const DRY_RUN_TIMEOUT_MS = 90_000;
/** All of wrangler's report is read (the bindings it lists). */
const OUTPUT_BYTES = 1024 * 1024;

describe("wrangler deploy --dry-run", () => {
	const outdir = mkdtempSync(join(tmpdir(), "rg-dry-run-"));
	afterAll(() => rmSync(outdir, { recursive: true, force: true }));

	it("bundles the production Worker offline", async () => {
		// The assets directory is built by Vite; wrangler only needs it to exist.
		const assets = join(ROOT, "dist", "client");
		if (!existsSync(assets)) mkdirSync(assets, { recursive: true });
		const result = await runCommand(
			process.execPath,
			[WRANGLER, "deploy", "--dry-run", "--outdir", outdir],
			{
				cwd: ROOT,
				timeoutMs: DRY_RUN_TIMEOUT_MS,
				outputBytes: OUTPUT_BYTES,
				env: {
					...process.env,
					WRANGLER_SEND_METRICS: "false",
					CI: "true",
					// No credentials, and any attempt to reach the network goes nowhere.
					CLOUDFLARE_API_TOKEN: "",
					HTTPS_PROXY: "http://127.0.0.1:9",
					HTTP_PROXY: "http://127.0.0.1:9",
				},
			},
		);
		const output = `${result.stdout}\n${result.stderr}`;
		expect(result.code, output).toBe(0);
		expect(output).toContain("--dry-run: exiting now");
		// Production bindings as configured; secrets never live in the config.
		for (const binding of [
			"env.INVENTORY (InventoryObject)",
			"env.DB",
			"env.SESSIONS",
			"env.ASSETS",
		]) {
			expect(output).toContain(binding);
		}
		expect(output).toContain('env.ENVIRONMENT ("production")');
		for (const secret of [
			"ADMIN_TOKEN",
			"DEBUG_TOKEN",
			"TURNSTILE_SECRET_KEY",
			"IP_HASH_SECRET",
			"IP_HASH_SALT",
		]) {
			expect(output).not.toContain(`env.${secret}`);
		}

		const files = readdirSync(outdir);
		expect(files).toContain("index.js");
		const bundle = readFileSync(join(outdir, "index.js"), "utf8");
		expect(bundle).toMatch(/export\s*\{[^}]*\bInventoryObject\b/);
		// The SKU object's class and the chain it is built on (src/inventory/sku-object-parts.ts,
		// sku-object-peers.ts, sku-object-operator.ts, object.ts) down to the runtime's DurableObject.
		expect(bundle).toMatch(/InventoryObject = class extends SkuObjectOperator\b/);
		expect(bundle).toMatch(/SkuObjectOperator = class extends SkuObjectPeers\b/);
		expect(bundle).toMatch(/SkuObjectPeers = class extends SkuObjectParts\b/);
		// esbuild may number the runtime import (DurableObject2) where another module imports it too.
		expect(bundle).toMatch(/SkuObjectParts = class extends DurableObject\d*\b/);
		// Every Durable Object binding is listed with its class, and the bundle exports that class;
		// the class the migration v6-drop-cost-ledger deleted is neither bound nor exported
		// (docs/decisions/093-drop-the-per-session-ledger.md).
		for (const [name, className] of [
			["LEDGER_GROUP", "CostLedgerGroupObject"],
			["LIMITER", "RateLimiterObject"],
			["RESET_KEYS", "ResetKeysObject"],
		]) {
			expect(output).toContain(`env.${name} (${className})`);
			expect(bundle).toMatch(new RegExp(`export\\s*\\{[^}]*\\b${className}\\b`));
		}
		expect(output).not.toContain("CostLedgerObject");
		expect(bundle).not.toMatch(/\bCostLedgerObject\b/);
		expect(bundle).not.toContain("cloudflare:test");
		expect(bundle).not.toContain("vitest");
		expect(gzipSync(bundle).byteLength).toBeLessThan(MAX_GZIP_BYTES);
	});
});
