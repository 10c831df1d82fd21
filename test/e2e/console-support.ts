// What the console's browser tests share: signing in with the operator token, and how long
// they wait for a figure to show.

import type { Page } from "playwright-core";

export const POLL = { timeout: 20_000, interval: 200 };

export async function signIn(page: Page, token: string): Promise<void> {
	await page.getByLabel("Operator token").fill(token);
	await page.getByRole("button", { name: "Sign in" }).click();
}
