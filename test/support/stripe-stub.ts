/// <reference types="node" />
// A local stand-in for Stripe's HTTP API, only for the calls the adapter makes:
// POST /v1/payment_intents (create + confirm), GET /v1/payment_intents/:id and
// POST /v1/refunds. It speaks
// Stripe's shapes (form bodies, Bearer secret, error JSON, Idempotency-Key replay,
// https://docs.stripe.com/idempotency) so the adapter is tested against the wire
// format, not against our own code. Node only: it listens on 127.0.0.1, port 0.

import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import {
	header,
	isValidationError,
	metadataOf,
	missingOrInvalid,
	readBody,
	refuseAmount,
	type StubResponse,
	send,
	stripeError,
	stripeId,
} from "./stripe-stub-wire.ts";

export interface StubBehaviour {
	/** Held with the idempotency key locked, before the work (a concurrent retry gets 409). */
	processingMs: number;
	/** After the work is done and its result stored: models a response lost or late in transit. */
	responseDelayMs: number;
	/** The next N requests get a 500 before any work, and nothing is stored (Stripe saves
	 * a result only once the endpoint starts executing). */
	failNext: number;
	/** The next N keyed POSTs do their work (a charge captures) and then answer 500, and that
	 * 500 is saved under the key and replayed to every retry, as Stripe documents: "Retries
	 * with the same key return the saved response, including 500 errors". */
	failAfterWorkNext: number;
	/** Confirmed card charges answer `processing` and settle only when `settle` is called… */
	processing: boolean;
	/** …or, when above 0, succeed by themselves at their N-th read (GET), which sees it. */
	settleAfterReads: number;
}

export interface StubRequest {
	path: string;
	authorization: string | undefined;
	idempotencyKey: string | undefined;
	contentType: string | undefined;
	params: Record<string, string>;
}

interface StoredResponse extends StubResponse {
	fingerprint: string;
}

interface StubIntent {
	id: string;
	amount: number;
	currency: string;
	refunded: boolean;
	/** The PaymentIntent as GET answers it now (its `status` changes when it settles). */
	body: Record<string, unknown>;
	/** Reads (GET) left until a `processing` intent succeeds by itself; 0: only by `settle`. */
	readsToSettle: number;
}

export class StripeStub {
	readonly requests: StubRequest[] = [];
	/** Payment intents that took money; never decremented (a refund is counted separately). */
	captures = 0;
	refunds = 0;
	private behaviour: StubBehaviour = {
		processingMs: 0,
		responseDelayMs: 0,
		failNext: 0,
		failAfterWorkNext: 0,
		processing: false,
		settleAfterReads: 0,
	};
	private readonly idempotent = new Map<string, StoredResponse>();
	private readonly inFlight = new Set<string>();
	private readonly intents = new Map<string, StubIntent>();
	private readonly timers = new Set<{ timer: NodeJS.Timeout; resolve: () => void }>();

	private constructor(
		private readonly server: Server,
		readonly url: string,
		private readonly secretKey: string,
	) {}

	static async start(options: { secretKey: string }): Promise<StripeStub> {
		let stub: StripeStub | undefined;
		const server = createServer((req, res) => {
			void stub?.handle(req, res);
		});
		await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
		const { port } = server.address() as AddressInfo;
		stub = new StripeStub(server, `http://127.0.0.1:${port}`, options.secretKey);
		return stub;
	}

	behave(changes: Partial<StubBehaviour>): void {
		this.behaviour = { ...this.behaviour, ...changes };
	}

	/** The payment intents that captured money, in order. */
	capturedIntentIds(): string[] {
		return [...this.intents.values()]
			.filter((intent) => intent.body.status === "succeeded")
			.map((intent) => intent.id);
	}

	/** Every confirmed payment intent's id, whatever its status, in order. */
	intentIds(): string[] {
		return [...this.intents.keys()];
	}

	/** A `processing` intent settles: `succeeded` captures its money, anything else does not. */
	settle(intentId: string, status: "succeeded" | "requires_payment_method"): void {
		const intent = this.intents.get(intentId);
		if (intent === undefined || intent.body.status !== "processing") {
			throw new Error(`stub: ${intentId} is not processing`);
		}
		intent.body = { ...intent.body, status };
		if (status === "succeeded") {
			this.captures += 1;
			intent.body = { ...intent.body, amount_received: intent.amount };
		}
	}

	async close(): Promise<void> {
		for (const pending of this.timers) {
			clearTimeout(pending.timer);
			pending.resolve();
		}
		this.timers.clear();
		this.server.closeAllConnections();
		await new Promise<void>((resolve) => this.server.close(() => resolve()));
	}

	private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
		res.on("error", () => {}); // the client may have aborted (timeout tests)
		const raw = await readBody(req);
		const path = (req.url ?? "/").split("?")[0] ?? "/";
		const params = raw === null ? {} : Object.fromEntries(new URLSearchParams(raw));
		const idempotencyKey = header(req, "idempotency-key");
		this.requests.push({
			path,
			authorization: header(req, "authorization"),
			idempotencyKey,
			contentType: header(req, "content-type"),
			params,
		});
		const answer = await this.answer(req, path, params, idempotencyKey, raw === null);
		await this.sleep(this.behaviour.responseDelayMs);
		send(res, answer.response, answer.replayed);
	}

	private async answer(
		req: IncomingMessage,
		path: string,
		params: Record<string, string>,
		idempotencyKey: string | undefined,
		tooLarge: boolean,
	): Promise<{ response: StubResponse; replayed: boolean }> {
		const fresh = (response: StubResponse) => ({ response, replayed: false });
		if (tooLarge) return fresh(stripeError(413, "invalid_request_error", "Request too large."));
		if (header(req, "authorization") !== `Bearer ${this.secretKey}`) {
			const hint = (header(req, "authorization") ?? "").slice(-4);
			return fresh(
				stripeError(401, "invalid_request_error", `Invalid API Key provided: sk_****${hint}`),
			);
		}
		if (this.behaviour.failNext > 0) {
			this.behaviour.failNext -= 1;
			return fresh(stripeError(500, "api_error", "An unknown error occurred."));
		}
		const read = /^\/v1\/payment_intents\/([^/]+)$/.exec(path);
		if (req.method === "GET" && read?.[1] !== undefined) return fresh(this.retrieve(read[1]));
		if (req.method !== "POST" || !(path === "/v1/payment_intents" || path === "/v1/refunds")) {
			const message = `Unrecognized request URL (${req.method}: ${path}).`;
			return fresh(stripeError(404, "invalid_request_error", message));
		}
		if (idempotencyKey === undefined) return fresh(await this.execute(path, params));

		const fingerprint = JSON.stringify([path, Object.entries(params).sort()]);
		const stored = this.idempotent.get(idempotencyKey);
		if (stored !== undefined) {
			if (stored.fingerprint !== fingerprint) {
				const message = `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${idempotencyKey}' if you meant to execute a different request.`;
				return fresh(stripeError(400, "idempotency_error", message));
			}
			return { response: stored, replayed: true };
		}
		if (this.inFlight.has(idempotencyKey)) {
			const message = `There is currently another in-progress request using this Idempotency Key (that probably means you submitted twice, and the other request is still going through): ${idempotencyKey}. Please try again later.`;
			return fresh(
				stripeError(409, "idempotency_error", message, { code: "idempotency_key_in_use" }),
			);
		}
		this.inFlight.add(idempotencyKey);
		try {
			await this.sleep(this.behaviour.processingMs);
			let response = await this.execute(path, params);
			if (this.behaviour.failAfterWorkNext > 0 && !isValidationError(response)) {
				this.behaviour.failAfterWorkNext -= 1;
				response = stripeError(500, "api_error", "An unknown error occurred.");
			}
			// Validation failures are not saved, like Stripe; executed results are.
			if (!isValidationError(response)) {
				this.idempotent.set(idempotencyKey, { ...response, fingerprint });
			}
			return fresh(response);
		} finally {
			this.inFlight.delete(idempotencyKey);
		}
	}

	private async execute(path: string, params: Record<string, string>): Promise<StubResponse> {
		return path === "/v1/refunds" ? this.createRefund(params) : this.createPaymentIntent(params);
	}

	private createPaymentIntent(params: Record<string, string>): StubResponse {
		const amount = Number(params.amount);
		if (!Number.isInteger(amount) || amount < 1) return missingOrInvalid("amount");
		const currency = params.currency;
		if (currency === undefined) return missingOrInvalid("currency");
		const amountRefusal = refuseAmount(amount, currency);
		if (amountRefusal !== null) return amountRefusal;
		const paymentMethod = params.payment_method;
		if (paymentMethod === undefined) return missingOrInvalid("payment_method");
		const intent = {
			id: stripeId("pi"),
			object: "payment_intent",
			amount,
			currency,
			payment_method: paymentMethod,
			capture_method: "automatic",
			confirmation_method: "automatic",
			created: Math.floor(Date.now() / 1000),
			livemode: false,
			description: params.description ?? null,
			metadata: metadataOf(params),
		};
		if (params.confirm !== "true") {
			return { status: 200, body: { ...intent, status: "requires_confirmation" } };
		}
		switch (paymentMethod) {
			case "pm_card_visa": {
				// `processing` settles later (by `settle`, or by itself at a read); else captured now.
				const processing = this.behaviour.processing;
				if (!processing) this.captures += 1;
				const body = {
					...intent,
					status: processing ? "processing" : "succeeded",
					amount_received: processing ? 0 : amount,
					latest_charge: stripeId("ch"),
				};
				this.intents.set(intent.id, {
					id: intent.id,
					amount,
					currency,
					refunded: false,
					body,
					readsToSettle: processing ? this.behaviour.settleAfterReads : 0,
				});
				return { status: 200, body };
			}
			case "pm_card_chargeDeclined": {
				const decline = {
					type: "card_error",
					code: "card_declined",
					decline_code: "generic_decline",
					message: "Your card was declined.",
					charge: stripeId("ch"),
				};
				return {
					status: 402,
					body: {
						error: {
							...decline,
							payment_intent: {
								...intent,
								status: "requires_payment_method",
								amount_received: 0,
								last_payment_error: decline,
							},
						},
					},
				};
			}
			default:
				return stripeError(
					400,
					"invalid_request_error",
					`No such PaymentMethod: '${paymentMethod}'`,
					{
						code: "resource_missing",
						param: "payment_method",
					},
				);
		}
	}

	private createRefund(params: Record<string, string>): StubResponse {
		const intentId = params.payment_intent;
		if (intentId === undefined) return missingOrInvalid("payment_intent");
		const intent = this.intents.get(intentId);
		if (intent === undefined || intent.body.status !== "succeeded") {
			return stripeError(400, "invalid_request_error", `No such payment_intent: '${intentId}'`, {
				code: "resource_missing",
				param: "payment_intent",
			});
		}
		if (intent.refunded) {
			return stripeError(
				400,
				"invalid_request_error",
				`Charge for ${intentId} has already been refunded.`,
				{
					code: "charge_already_refunded",
				},
			);
		}
		intent.refunded = true;
		this.refunds += 1;
		return {
			status: 200,
			body: {
				id: stripeId("re"),
				object: "refund",
				amount: intent.amount,
				currency: intent.currency,
				payment_intent: intent.id,
				status: "succeeded",
				created: Math.floor(Date.now() / 1000),
			},
		};
	}

	/** GET /v1/payment_intents/:id: the intent as it is now. Unconfirmed ones are not kept. */
	private retrieve(intentId: string): StubResponse {
		const intent = this.intents.get(decodeURIComponent(intentId));
		if (intent === undefined) {
			return stripeError(404, "invalid_request_error", `No such payment_intent: '${intentId}'`, {
				code: "resource_missing",
				param: "intent",
			});
		}
		if (intent.body.status === "processing" && intent.readsToSettle > 0) {
			intent.readsToSettle -= 1;
			if (intent.readsToSettle === 0) this.settle(intent.id, "succeeded");
		}
		return { status: 200, body: intent.body };
	}

	private sleep(ms: number): Promise<void> {
		if (ms <= 0) return Promise.resolve();
		return new Promise((resolve) => {
			const pending = {
				resolve,
				timer: setTimeout(() => {
					this.timers.delete(pending);
					resolve();
				}, ms),
			};
			this.timers.add(pending);
		});
	}
}
