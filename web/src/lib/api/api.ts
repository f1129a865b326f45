/** The API client of the page and the classifier's worker: the schemas load with its first answer. */
import { createApi } from './client';
import type { SchemaSource } from './schemas';

export const loadSchemas: SchemaSource = () => import('../../../../edge/src/contract');
export const api = createApi(loadSchemas);
