// meta.requestId (docs/api.md, "Envelope"): Cloudflare's edge sets `cf-ray`, and the Worker
// answers with it so a request can be found in Cloudflare's logs; any other client can send the
// header too (locally nothing sets it), so only a value that looks like an id is echoed (1–64
// printable ASCII, none of `<>"'&` or a space). Anything else gets the Worker's own id
// (src/worker/request-id.ts).
import { describe, expect, it } from "vitest";
import { call } from "./helpers.ts";

async function requestIdFor(cfRay: string): Promise<string> {
	const res = await call("GET", "/api/products/NO-SUCH-SKU", { headers: { "cf-ray": cfRay } });
	expect(res.status).toBe(404);
	return res.body.meta?.requestId as string;
}

describe("meta.requestId from cf-ray", () => {
	it("echoes a ray id as the edge sends it", async () => {
		expect(await requestIdFor("8f1b2c3d4e5f6a7b-LHR")).toBe("8f1b2c3d4e5f6a7b-LHR");
		expect(await requestIdFor("r".repeat(64))).toBe("r".repeat(64));
	});

	it("answers its own id for markup, quotes, spaces or a value past 64 characters", async () => {
		for (const ray of ["</script><b>hi", "a'b", 'a"b', "a&b", "a b", "a\tb", "r".repeat(65)]) {
			const id = await requestIdFor(ray);
			expect(id).not.toBe(ray);
			expect(id).toMatch(/^[0-9a-z-]{1,64}$/);
		}
		const long = await call("GET", "/api/products/NO-SUCH-SKU", {
			headers: { "cf-ray": "x".repeat(6000) },
		});
		expect(JSON.stringify(long.body).length).toBeLessThan(1000);
	});
});
