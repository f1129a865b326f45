/**
 * The shared contract's zod schemas, loaded when the page first validates something: zod and the
 * schemas are about 120 KB of JavaScript, whose evaluation at start-up was a long task on the
 * page's thread. Types and plain values come from contract.ts and contract-constants.ts directly.
 */
export const schemas = () => import('../../../../edge/src/contract');
export type Schemas = Awaited<ReturnType<typeof schemas>>;
