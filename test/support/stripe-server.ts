// `npm start` with PAYMENT_PROVIDER=stripe pointed at the repository's stub of Stripe
// (test/support/stripe-stub.ts): one stub and one server per file, both stopped after it.

import { afterAll, beforeAll } from "vitest";
import { startServer, type TestServer } from "./server.ts";
import { StripeStub } from "./stripe-stub.ts";

export interface StripeServer {
	readonly stub: StripeStub;
	readonly server: TestServer;
}

/** Registers the file's beforeAll/afterAll; read the fields inside tests, once both are up. */
export function stripeServer(secretKey: string): StripeServer {
	let stub: StripeStub | undefined;
	let server: TestServer | undefined;
	beforeAll(async () => {
		stub = await StripeStub.start({ secretKey });
		server = await startServer({
			env: { PAYMENT_PROVIDER: "stripe", STRIPE_SECRET_KEY: secretKey, STRIPE_API_BASE: stub.url },
		});
	});
	afterAll(async () => {
		await server?.dispose();
		await stub?.close();
	});
	return {
		get stub() {
			if (stub === undefined) throw new Error("the Stripe stub is not started yet");
			return stub;
		},
		get server() {
			if (server === undefined) throw new Error("the server is not started yet");
			return server;
		},
	};
}
