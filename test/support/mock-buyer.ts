// A buyer of the UI's in-browser mock server (src/web/mock/backend.ts), as the unit tests of the
// mock use it: a session made with the dummy Turnstile token, and the session's sandbox.

import { TURNSTILE_DUMMY_TOKEN } from "../../src/shared/turnstile.ts";
import { ApiClient } from "../../src/web/api/client.ts";
import type { MockBackend } from "../../src/web/mock/backend.ts";

/** A signed-in client of `mock`, with its sandbox. */
export async function mockBuyer(
	mock: MockBackend,
): Promise<{ api: ApiClient; sandboxSku: string }> {
	const api = new ApiClient(mock);
	const session = await api.createSession(TURNSTILE_DUMMY_TOKEN);
	if (!session.ok) throw new Error(session.message);
	api.token = session.data.token;
	const box = await api.createSandbox();
	if (!box.ok) throw new Error(box.message);
	return { api, sandboxSku: box.data.sku };
}
