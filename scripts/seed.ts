// What `npm start` and `npm run dev` do once the server answers: seed the demo product on first
// start, then print the ready line (test/support/server.ts waits for it) and what to open.

import { isBlank } from "../src/shared/config-fields.ts";

export const DEMO_PRODUCT = {
	sku: "DEMO-SNEAKER",
	name: "Revenue Guard Runner — launch edition",
	priceCents: 18_000,
	currency: "USD",
	totalStock: 100,
	perUserLimit: 2,
};

/**
 * Null when the demo product is there as defined here: 201 (created now, or a create repeated:
 * the API answers an identical create again) or 409 (an operator changed it since). Else what
 * the server answered, for the ready line to say plainly (an unset ADMIN_TOKEN, a D1 outage).
 * With no ADMIN_TOKEN nothing is sent: the server refuses every operator call then (403), and a
 * request with an empty Bearer would only be answered 401 for the missing header, which the
 * line would quote beside the 403 it explains.
 */
export async function seedDemo(base: string, adminToken: string): Promise<string | null> {
	if (adminToken.trim() === "") {
		return `ADMIN_TOKEN is not set, so every operator endpoint answers 403 and ${DEMO_PRODUCT.sku} was not created (docs/configuration.md)`;
	}
	const res = await fetch(`${base}/api/admin/products`, {
		method: "POST",
		headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
		body: JSON.stringify(DEMO_PRODUCT),
	});
	const body = (await res.json().catch(() => null)) as {
		error?: { code?: unknown; message?: unknown };
	} | null;
	if (res.status === 201) {
		console.log(`demo product ${DEMO_PRODUCT.sku} is in place (100 units)`);
		return null;
	}
	if (res.status === 409) return null;
	const code = typeof body?.error?.code === "string" ? ` ${body.error.code}` : "";
	const message = typeof body?.error?.message === "string" ? ` (${body.error.message})` : "";
	return `creating ${DEMO_PRODUCT.sku} answered ${res.status}${code}${message}`;
}

/**
 * The line tests and tools wait for. `seedProblem` (seedDemo's answer): the server runs, but not
 * as all is well, and the line says so rather than a warning scrolled away above it.
 */
export function readyLine(
	base: string,
	stateDir: string,
	seedProblem: string | null = null,
): string {
	const line = `Revenue Guard is running at ${base} (state in ${stateDir})`;
	if (seedProblem === null) return line;
	return `${line}, but its demo product could not be seeded: ${seedProblem}`;
}

/** Where the operator token of a local run came from: named by startGuide, its value never printed. */
export type AdminTokenSource = "environment" | "local.vars" | "unset";

/** The environment's ADMIN_TOKEN, when it is there (even empty), is taken over local.vars' (scripts/config.ts). */
export function adminTokenSource(
	adminToken: string | undefined,
	env: { ADMIN_TOKEN?: string } = process.env,
): AdminTokenSource {
	if (isBlank(adminToken)) return "unset";
	return env.ADMIN_TOKEN === undefined ? "local.vars" : "environment";
}

/**
 * The lines under the ready line: the three pages and where the console's operator token comes
 * from. local.vars' token is a committed, public local default (README, Configuration), so naming
 * the file is enough; one the operator set is theirs and is not printed. An unset one is already
 * the ready line's seed problem.
 */
export function startGuide(base: string, tokenFrom: AdminTokenSource): string[] {
	const pages = `  store ${base}/ · console ${base}/console · demo ${base}/demo`;
	if (tokenFrom === "unset") return [pages];
	const token =
		tokenFrom === "environment"
			? "the ADMIN_TOKEN you set (not printed)"
			: "ADMIN_TOKEN in local.vars, a public local default (README, Configuration); set ADMIN_TOKEN to use your own";
	return [pages, `  operator token for the console: ${token}`];
}
