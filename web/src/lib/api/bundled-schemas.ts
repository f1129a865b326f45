/**
 * The schemas as part of the script that imports this module: for the service worker, which may not
 * import(), and for Node. The page and the classifier's worker use api.ts's `loadSchemas` instead.
 */
import * as contract from '../../../../edge/src/contract';
import type { SchemaSource } from './schemas';

export const bundledSchemas: SchemaSource = async () => contract;
