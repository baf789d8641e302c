/** Types of child-kit.mjs. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- arguments are whatever JSON the bench sent
export type Handlers = Record<string, (args: Record<string, any>) => unknown>;
export function serve(handlers: Handlers, stop: () => Promise<void>): void;
export function ready(info: Record<string, unknown>): void;
export function failed(error: unknown): never;
