// What `npm start` and `npm run dev` do once the server answers: seed the demo product on first
// start, then print the ready line (test/support/server.ts waits for it).

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
