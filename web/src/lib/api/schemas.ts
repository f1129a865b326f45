/**
 * Where a realm gets the shared contract's zod schemas. zod and the schemas are about 120 KB of
 * JavaScript, whose evaluation at start-up was a long task on the page's thread, so the page and the
 * classifier's worker load them when they first validate something (api.ts). The service worker,
 * which may not import(), has them in its bundle (bundled-schemas.ts). Types and plain values need
 * no source: they come from contract.ts (types only) and contract-constants.ts.
 */
import type * as Contract from '../../../../edge/src/contract';

export type Schemas = typeof Contract;
export type SchemaSource = () => Promise<Schemas>;
