// The INVENTORY namespace as a request's env sees it (cost-support.ts `callWith`), with every
// method call on one of its stubs passed through `on`: to count the calls the Worker makes of each
// object (eventual-calls.test.ts), or to answer one as an object on other code would.
import { env } from "cloudflare:workers";

/** One method call on the object named `object`; `call()` makes it on the real stub. */
export type Watcher = (object: string, method: string, call: () => Promise<unknown>) => unknown;

export function watchedObjects(on: Watcher): DurableObjectNamespace {
	const real = env.INVENTORY;
	const names = new Map<string, string>();
	const watched = (stub: DurableObjectStub, object: string) =>
		new Proxy(
			{},
			{
				get: (_target, method) =>
					// Not a thenable (an awaited stub stays a stub), and only named methods.
					method === "then" || typeof method !== "string"
						? undefined
						: (...args: unknown[]) =>
								on(
									object,
									method,
									() =>
										(stub as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
											method
										]?.(...args) ?? Promise.reject(new Error(`no method ${method}`)),
								),
			},
		);
	const idFromName = (name: string) => {
		const id = real.idFromName(name);
		names.set(id.toString(), name);
		return id;
	};
	return {
		idFromName,
		idFromString: (id: string) => real.idFromString(id),
		newUniqueId: () => real.newUniqueId(),
		get: (id: DurableObjectId) => watched(real.get(id), names.get(id.toString()) ?? id.toString()),
		getByName: (name: string) => watched(real.get(idFromName(name)), name),
		jurisdiction: () => {
			throw new Error("watchedObjects: no jurisdictions in the tests");
		},
	} as unknown as DurableObjectNamespace;
}

/** Calls made through `watchedObjects`, as `object.method`, in order. */
export function callLog(): { objects: DurableObjectNamespace; calls: string[] } {
	const calls: string[] = [];
	const objects = watchedObjects((object, method, call) => {
		calls.push(`${object}.${method}`);
		return call();
	});
	return { objects, calls };
}
