// SHA-256 as lowercase hex: session tokens are stored by their digest, sandbox SKUs are
// named from one. Web Crypto, so the Worker, the objects and Node share it.

import { hex } from "./hex.ts";

export async function sha256Hex(text: string): Promise<string> {
	const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(text));
	return hex(new Uint8Array(digest));
}
