import { z } from 'zod';

/** Translation tables of one subscription: table name → (key → value). */
export type Translations = Record<string, Record<string, string>>;

export const TranslationTableInput = z
  .object({
    name: z.string().trim().min(1).max(200),
    entries: z.record(z.string().max(1000), z.string().max(10_000)),
  })
  .strict();
export type TranslationTableInput = z.infer<typeof TranslationTableInput>;

/**
 * A `translate(table, key)` function over preloaded tables (lookup mappings and the formulas'
 * translation functions). An exact key wins; otherwise keys compare case-insensitively and trimmed.
 * Unknown table or key → null.
 *
 * @example
 * const translate = createTranslator(await getTranslations(db, subscriptionId));
 * translate('Country', 'United States'); // 'US'
 */
export function createTranslator(translations: Translations): (table: string, key: string) => string | null {
  const folded = new Map<string, Map<string, string>>();
  for (const [table, entries] of Object.entries(translations)) {
    const m = new Map<string, string>();
    for (const [k, v] of Object.entries(entries)) {
      const fk = k.trim().toLowerCase();
      if (!m.has(fk)) m.set(fk, v);
    }
    folded.set(table.trim().toLowerCase(), m);
  }
  return (table, key) => {
    const exact = translations[table];
    if (exact !== undefined && Object.prototype.hasOwnProperty.call(exact, key)) return exact[key] as string;
    const m = folded.get(table.trim().toLowerCase());
    if (m === undefined) return null;
    return m.get(key.trim().toLowerCase()) ?? null;
  };
}
