// The lines `npm start` and `npm run dev` print under the ready line (scripts/seed.ts): the pages,
// and where the console's operator token comes from, never the value of one the operator set.
import { describe, expect, it } from "vitest";
import { adminTokenSource, startGuide } from "../../scripts/seed.ts";

const BASE = "http://127.0.0.1:8787";

describe("start's guide lines", () => {
	it("name the store, the console and the demo", () => {
		expect(startGuide(BASE, "local.vars")[0]).toBe(
			`  store ${BASE}/ · console ${BASE}/console · demo ${BASE}/demo`,
		);
	});

	it("point at local.vars for its public default, and not at a token the operator set", () => {
		expect(adminTokenSource("local-admin-token", {})).toBe("local.vars");
		expect(startGuide(BASE, "local.vars")[1]).toBe(
			"  operator token for the console: ADMIN_TOKEN in local.vars, a public local default (README, Configuration); set ADMIN_TOKEN to use your own",
		);
		const own = "an-operators-own-token";
		expect(adminTokenSource(own, { ADMIN_TOKEN: own })).toBe("environment");
		const lines = startGuide(BASE, "environment").join("\n");
		expect(lines).toContain("the ADMIN_TOKEN you set (not printed)");
		expect(lines).not.toContain(own);
	});

	it("say nothing of a token that is not set: the ready line's seed problem does", () => {
		expect(adminTokenSource("", { ADMIN_TOKEN: "" })).toBe("unset");
		expect(startGuide(BASE, "unset")).toHaveLength(1);
	});
});
