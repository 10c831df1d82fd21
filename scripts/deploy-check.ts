// `npm run deploy`'s first step: wrangler.jsonc's ENVIRONMENT is judged before anything is built,
// migrated or deployed. `local` and `test` turn off every production guard
// (src/shared/config-rules.ts TEST_ENVIRONMENTS): unset PAYMENT_PROVIDER simulated, so every
// checkout PAID; a client picking the rate limits' clock; DEBUG_TOKEN skipping Turnstile. The
// Worker cannot tell such a deploy from a local run, so it is refused here, in one line naming
// ENVIRONMENT and where it is set (docs/decisions/179-review-33s-findings.md). It sees the file,
// not a `--var` given to wrangler on the command line.

import { TEST_ENVIRONMENTS } from "../src/shared/config-rules.ts";
import { readWranglerConfig } from "./runtime.ts";

/** What the check reads of wrangler.jsonc: the top level's vars and each named environment's. */
export interface DeployVars {
	vars?: Record<string, string>;
	env?: Record<string, { vars?: Record<string, string> }>;
}

/** One line per place wrangler.jsonc sets ENVIRONMENT to local or test; none when it deploys as production. */
export function deployEnvironmentProblems(config: DeployVars): string[] {
	const places: [string, Record<string, string> | undefined][] = [
		["vars", config.vars],
		...Object.entries(config.env ?? {}).map(
			([name, env]): [string, Record<string, string> | undefined] => [`env.${name}.vars`, env.vars],
		),
	];
	const problems: string[] = [];
	for (const [where, vars] of places) {
		const value = vars?.ENVIRONMENT?.trim();
		if (value === undefined || !TEST_ENVIRONMENTS.has(value)) continue;
		problems.push(
			`wrangler.jsonc ${where} sets ENVIRONMENT ${JSON.stringify(value)}, refused for a deploy: it turns off the production guards (a simulated payment provider, the request clock, DEBUG_TOKEN); set "production"`,
		);
	}
	return problems;
}

if (import.meta.main) {
	const problems = deployEnvironmentProblems(readWranglerConfig() as DeployVars);
	if (problems.length > 0) {
		console.error(`Not deploying: ${problems.join("; ")}.`);
		process.exit(1);
	}
}
