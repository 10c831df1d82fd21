// axe-core over a page state: no serious or critical violation may remain.
// The script is injected from the installed package (no network), and the
// failure lists each violation with the elements it found, so it can be fixed.

import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { expect } from "vitest";

const require = createRequire(import.meta.url);
const AXE_PATH = require.resolve("axe-core");

interface AxeResult {
	id: string;
	impact: string | null;
	help: string;
	nodes: { target: unknown[] }[];
}

/** Runs axe on the page as it is now; `label` names the state in the failure message. */
export async function expectNoSeriousA11yViolations(page: Page, label: string): Promise<void> {
	const loaded = await page.evaluate(() => "axe" in window);
	if (!loaded) await page.addScriptTag({ path: AXE_PATH });
	const violations = await page.evaluate(async () => {
		const axe = (
			window as unknown as { axe: { run(ctx: Document): Promise<{ violations: AxeResult[] }> } }
		).axe;
		const result = await axe.run(document);
		return result.violations.map((v) => ({
			id: v.id,
			impact: v.impact,
			help: v.help,
			nodes: v.nodes.map((n) => ({ target: n.target })),
		}));
	});
	const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
	expect(
		serious.map(
			(v) =>
				`${v.impact} ${v.id}: ${v.help} — ${v.nodes.map((n) => JSON.stringify(n.target)).join(", ")}`,
		),
		`axe on ${label}`,
	).toEqual([]);
}
