// Each buyer session's own sandbox SKU for the demo (docs/demo.md): named from a hash of
// the session id, so the reserve route and the demo routes find the same one.

import { sha256Hex } from "../shared/digest.ts";

export const SANDBOX_STOCK = 100;
/** Enough hex of a hash of the session id that sandboxes never collide, without exposing the id. */
const SANDBOX_ID_HEX = 20;

export async function sandboxSku(sessionId: string): Promise<string> {
	return `SBX-${(await sha256Hex(`sandbox:${sessionId}`)).slice(0, SANDBOX_ID_HEX)}`;
}
