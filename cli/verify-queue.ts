// `npm run verify-queue -- --url http://127.0.0.1:8787 --sku SKU [--admin-token T] [--json]`:
// recomputes a SKU's waiting-room order from its revealed seed and its tickets, and checks
// the admissions in the audit trail against it (docs/waiting-room.md, "Verifying a drop").
// Exit code: 0 verified, 1 a mismatch, 2 could not run.

import { parseArgs } from "node:util";
import { localVars } from "../scripts/config.ts";
import type { AuditEvent, Product } from "../src/shared/types.ts";
import { checkQueueTrail } from "./verify-queue/check.ts";

/** Events read per page (the API's maximum) and pages at most: bounds the run. */
const PAGE = 1000;
const MAX_PAGES = 500;

const USAGE = `usage: npm run verify-queue -- --url http://127.0.0.1:8787 --sku SKU [--admin-token T] [--json]
  --admin-token  operator token for the audit trail (default ADMIN_TOKEN from the environment or local.vars)
`;

async function getJson<T>(url: string, token?: string): Promise<T> {
	const res = await fetch(url, token ? { headers: { authorization: `Bearer ${token}` } } : {});
	const body = (await res.json()) as { data?: T; error?: { code: string; message: string } };
	if (!res.ok || body.data === undefined)
		throw new Error(`${url}: ${res.status} ${body.error?.code ?? ""} ${body.error?.message ?? ""}`);
	return body.data;
}

function adminTokenDefault(): string {
	if (process.env.ADMIN_TOKEN) return process.env.ADMIN_TOKEN;
	try {
		return localVars().ADMIN_TOKEN ?? "";
	} catch {
		return "";
	}
}

async function main(): Promise<number> {
	let values: Record<string, string | boolean | undefined>;
	try {
		values = parseArgs({
			options: {
				url: { type: "string" },
				sku: { type: "string" },
				"admin-token": { type: "string" },
				json: { type: "boolean" },
			},
		}).values;
	} catch (error) {
		process.stderr.write(`${(error as Error).message}\n${USAGE}`);
		return 2;
	}
	const url = String(values.url ?? "").replace(/\/+$/, "");
	const sku = String(values.sku ?? "");
	const token = String(values["admin-token"] ?? adminTokenDefault());
	if (!/^https?:\/\/[^/]+$/.test(url) || sku === "" || token === "") {
		process.stderr.write(USAGE);
		return 2;
	}
	const product = await getJson<Product>(`${url}/api/products/${encodeURIComponent(sku)}`);
	const events: AuditEvent[] = [];
	let after: string | null = "0";
	for (let page = 0; after !== null && page < MAX_PAGES; page++) {
		const data: { events: AuditEvent[]; next: string | null } = await getJson(
			`${url}/api/admin/products/${encodeURIComponent(sku)}/events?limit=${PAGE}&after=${after}`,
			token,
		);
		events.push(...data.events);
		after = data.next;
	}
	if (after !== null) throw new Error(`the trail is longer than ${MAX_PAGES * PAGE} events`);
	const room = product.waitingRoom ?? null;
	const verdict = checkQueueTrail(events, room);
	if (values.json === true) process.stdout.write(`${JSON.stringify({ sku, ...verdict })}\n`);
	else {
		process.stdout.write(
			[
				`sku ${sku}: ${verdict.ok ? "VERIFIED" : "NOT VERIFIED"}`,
				`  commitment ${verdict.seedCommitment ?? "-"}`,
				`  seed       ${verdict.seed ?? "(not revealed yet)"}`,
				`  tickets ${verdict.tickets} (pre-queue ${verdict.preQueue}), admissions ${verdict.admissions}, sold out ${verdict.soldOut}`,
				...verdict.problems.map((p) => `  problem: ${p}`),
				"",
			].join("\n"),
		);
	}
	return verdict.ok ? 0 : 1;
}

main().then(
	(code) => process.exit(code),
	(error: unknown) => {
		process.stderr.write(
			`verify-queue: ${error instanceof Error ? error.message : String(error)}\n`,
		);
		process.exit(2);
	},
);
