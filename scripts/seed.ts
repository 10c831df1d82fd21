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
 * 201 when it is there as defined here (created now, or a create repeated: the API answers an
 * identical create again), 409 when an operator changed it since; anything else is worth a line,
 * not a failure.
 */
export async function seedDemo(base: string, adminToken: string): Promise<void> {
	const res = await fetch(`${base}/api/admin/products`, {
		method: "POST",
		headers: { "content-type": "application/json", authorization: `Bearer ${adminToken}` },
		body: JSON.stringify(DEMO_PRODUCT),
	});
	await res.arrayBuffer();
	if (res.status === 201) console.log(`demo product ${DEMO_PRODUCT.sku} is in place (100 units)`);
	else if (res.status !== 409) console.warn(`seeding the demo product answered ${res.status}`);
}

export function readyLine(base: string, stateDir: string): string {
	return `Revenue Guard is running at ${base} (state in ${stateDir})`;
}
