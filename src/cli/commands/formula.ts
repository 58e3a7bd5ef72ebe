/** `junction formula eval`: evaluates one formula against a record given as JSON on stdin. */
import type { Command } from 'commander';
import { z } from 'zod';
import { compileFormula, formatFormulaError, toJsonValue, type FormattedFormulaError, type FormulaEnv, type FormulaServices } from '../../formula/index.js';

const Link = z.object({
  systemId: z.union([z.string(), z.number()]).transform(String),
  table: z.string(),
  externalId: z.union([z.string(), z.number()]).transform(String),
  hubId: z.union([z.string(), z.number()]).transform(String),
});

export const FormulaEvalRequest = z.object({
  formula: z.string(),
  record: z.unknown().optional(),
  parent: z.unknown().optional(),
  variables: z.record(z.string(), z.unknown()).optional(),
  links: z.array(Link).optional(),
  translations: z.record(z.string(), z.record(z.string(), z.string().nullable())).optional(),
  limits: z.object({ maxSteps: z.number().int().positive().optional(), maxMillis: z.number().positive().optional() }).optional(),
});
export type FormulaEvalRequest = z.infer<typeof FormulaEvalRequest>;

export type FormulaEvalResult = { value: unknown } | { error: FormattedFormulaError };

/** In-memory lookup services from the request's links and translation tables. */
export function servicesFromRequest(req: Pick<FormulaEvalRequest, 'links' | 'translations'>): FormulaServices {
  const links = req.links ?? [];
  const translations = req.translations ?? {};
  const sameTable = (a: string, b: string) => a.toLowerCase() === b.toLowerCase();
  return {
    getHubId: (externalId, table, systemId) =>
      Promise.resolve(links.find((l) => l.systemId === systemId && sameTable(l.table, table) && l.externalId === externalId)?.hubId ?? null),
    getExternalId: (hubId, table, systemId) =>
      Promise.resolve(links.find((l) => l.systemId === systemId && sameTable(l.table, table) && l.hubId === hubId)?.externalId ?? null),
    translate: (table, key) => {
      const entry = Object.entries(translations).find(([name]) => sameTable(name, table));
      if (!entry) return null;
      const map = entry[1];
      return Object.prototype.hasOwnProperty.call(map, key) ? (map[key] ?? null) : null;
    },
  };
}

/** Validates a request, compiles and runs the formula; never throws. */
export async function evalFormulaRequest(json: unknown): Promise<FormulaEvalResult> {
  const parsed = FormulaEvalRequest.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    const where = issue && issue.path.length > 0 ? `${issue.path.join('.')}: ` : '';
    return { error: { message: `Invalid request: ${where}${issue?.message ?? 'bad input'}`, code: 'FORMULA_BAD_REQUEST' } };
  }
  const req = parsed.data;
  try {
    const formula = compileFormula(req.formula);
    const env: FormulaEnv = { services: servicesFromRequest(req) };
    if (req.parent !== undefined) env.parent = req.parent;
    if (req.variables !== undefined) env.variables = req.variables;
    if (req.limits !== undefined) env.limits = req.limits;
    const value = await formula.run(req.record ?? {}, env);
    return { value: toJsonValue(value) };
  } catch (e) {
    return { error: formatFormulaError(e) };
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : (chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

export interface FormulaCommandIo {
  readInput?: () => Promise<string>;
  write?: (text: string) => void;
  setExitCode?: (code: number) => void;
}

export function registerFormulaCommands(program: Command, io: FormulaCommandIo = {}): void {
  const formula = program.command('formula').description('Work with dynamic formulas');
  formula
    .command('eval')
    .description('Evaluate a formula. Reads {"formula","record","parent","variables","links","translations"} as JSON from stdin; prints {"value"} or {"error"}')
    .action(async () => {
      const write = io.write ?? ((t: string) => process.stdout.write(t));
      const setExit = io.setExitCode ?? ((code: number) => { process.exitCode = code; });
      const text = await (io.readInput ?? readStdin)();
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch (e) {
        write(JSON.stringify({ error: { message: `Invalid JSON on stdin: ${(e as Error).message}`, code: 'FORMULA_BAD_REQUEST' } }) + '\n');
        setExit(1);
        return;
      }
      const result = await evalFormulaRequest(json);
      write(JSON.stringify(result) + '\n');
      if ('error' in result) setExit(1);
    });
}
