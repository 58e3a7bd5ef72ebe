import type { MappingCollectionCreateInput } from '../schema.js';

/** A mapping collection without its subscription: what a template installs. */
export type TemplateCollection = Omit<MappingCollectionCreateInput, 'subscriptionId'>;

/** One shipped template: a collection installed on every new subscription of its system. */
export interface MappingTemplate {
  /** Stable key, e.g. `bc-000-update-customer-from-hub`. */
  key: string;
  /** System the template belongs to (`business-central`, `salesforce`, `ninety-nine-minds`). */
  system: string;
  /** Seed article the template comes from (`000` … `004`), or `support` for collections the seeds need to work. */
  seed: string;
  /** One line on what it is for (CLI / API listings). */
  summary: string;
  collection: TemplateCollection;
}
