// `npm run deploy` refuses a wrangler.jsonc whose ENVIRONMENT is local or test before anything is
// built or deployed (scripts/deploy-check.ts): those turn off every production guard, and the
// deployed Worker could not tell (docs/decisions/179-review-33s-findings.md).
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { deployEnvironmentProblems } from "../../scripts/deploy-check.ts";
import { readWranglerConfig } from "../../scripts/runtime.ts";
import { runCommand } from "../support/proc.ts";

const ROOT = fileURLToPath(new URL("../..", import.meta.url));

describe("npm run deploy's check of ENVIRONMENT", () => {
	it("refuses local and test at the top level and in a named environment, one line each naming where", () => {
		for (const value of ["local", "test", " test "]) {
			expect(deployEnvironmentProblems({ vars: { ENVIRONMENT: value } })).toEqual([
				`wrangler.jsonc vars sets ENVIRONMENT ${JSON.stringify(value.trim())}, refused for a deploy: it turns off the production guards (a simulated payment provider, the request clock, DEBUG_TOKEN); set "production"`,
			]);
		}
		const problems = deployEnvironmentProblems({
			vars: { ENVIRONMENT: "production" },
			env: { staging: { vars: { ENVIRONMENT: "test" } }, live: { vars: {} } },
		});
		expect(problems).toHaveLength(1);
		expect(problems[0]).toMatch(/^wrangler\.jsonc env\.staging\.vars sets ENVIRONMENT "test"/);
	});

	it("takes production, an unset ENVIRONMENT (the Worker reads it as production) and any other name", () => {
		const taken: (Record<string, string> | undefined)[] = [
			{ ENVIRONMENT: "production" },
			{},
			undefined,
			{ ENVIRONMENT: "staging" },
		];
		for (const vars of taken) expect(deployEnvironmentProblems({ vars })).toEqual([]);
	});

	it("passes wrangler.jsonc as committed, and the script exits 0 on it", async () => {
		expect(deployEnvironmentProblems(readWranglerConfig())).toEqual([]);
		const run = await runCommand(process.execPath, [join(ROOT, "scripts", "deploy-check.ts")], {
			cwd: ROOT,
			timeoutMs: 30_000,
		});
		expect(run.code, run.stderr).toBe(0);
	});
});
