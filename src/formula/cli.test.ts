import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { evalFormulaRequest, registerFormulaCommands } from '../cli/commands/formula.js';

describe('formula eval (CLI)', () => {
  it('evaluates a formula against a record', async () => {
    await expect(evalFormulaRequest({ formula: 'FirstName + " " + LastName', record: { FirstName: 'Jane', LastName: 'Doe' } })).resolves.toEqual({ value: 'Jane Doe' });
  });
  it('uses links for GetSpaceportIdAsync (table case-insensitive, system id as string)', async () => {
    const r = await evalFormulaRequest({
      formula: 'if (CompanyID_Contact != null) return await GetSpaceportIdAsync(CompanyID_Contact, "Company", SpaceportSystemId); return "";',
      record: { CompanyID_Contact: 'C-1' },
      variables: { SpaceportSystemId: 42 },
      links: [{ systemId: 42, table: 'company', externalId: 'C-1', hubId: '5501' }],
    });
    expect(r).toEqual({ value: '5501' });
  });
  it('uses links for GetExternalIdAsync', async () => {
    const r = await evalFormulaRequest({
      formula: 'await GetExternalIdAsync(Id, "Customer", 7)',
      record: { Id: 'H1' },
      links: [{ systemId: '7', table: 'Customer', externalId: '{{Id}}|contact', hubId: 'H1' }],
    });
    expect(r).toEqual({ value: '{{Id}}|contact' });
  });
  it('uses translation tables', async () => {
    await expect(evalFormulaRequest({ formula: 'LookupTranslation("Tier", Code)', record: { Code: 'G' }, translations: { tier: { G: 'Gold' } } })).resolves.toEqual({ value: 'Gold' });
  });
  it('passes parent and variables', async () => {
    await expect(evalFormulaRequest({ formula: 'parent.Level == "Primary" && SourceTypeName == "ParentOnly"', parent: { Level: 'Primary' }, variables: { SourceTypeName: 'ParentOnly' } })).resolves.toEqual({ value: true });
  });
  it('prints DateTime values as ISO strings', async () => {
    await expect(evalFormulaRequest({ formula: 'DateTime.Parse("2024-01-02T03:04:05Z")' })).resolves.toEqual({ value: '2024-01-02T03:04:05.000Z' });
  });
  it('reports syntax errors with line and column', async () => {
    const r = await evalFormulaRequest({ formula: 'var x = 1;\nreturn x +;' });
    expect(r).toEqual({ error: expect.objectContaining({ code: 'FORMULA_SYNTAX', line: 2, column: 11 }) });
  });
  it('reports runtime errors with code', async () => {
    const r = await evalFormulaRequest({ formula: 'LastName.ToUpper()', record: {} });
    expect(r).toEqual({ error: expect.objectContaining({ code: 'FORMULA_NULL_REFERENCE', line: 1, column: 10 }) });
  });
  it('rejects bad input', async () => {
    await expect(evalFormulaRequest({ record: {} })).resolves.toEqual({ error: expect.objectContaining({ code: 'FORMULA_BAD_REQUEST' }) });
    await expect(evalFormulaRequest('nope')).resolves.toEqual({ error: expect.objectContaining({ code: 'FORMULA_BAD_REQUEST' }) });
  });
  it('registers `formula eval` on a commander program and sets the exit code on error', async () => {
    const out: string[] = [];
    let exit = 0;
    const program = new Command();
    program.exitOverride();
    registerFormulaCommands(program, {
      readInput: () => Promise.resolve(JSON.stringify({ formula: '"WEB" + SKU', record: { SKU: 'ABC123' } })),
      write: (t) => out.push(t),
      setExitCode: (c) => {
        exit = c;
      },
    });
    await program.parseAsync(['node', 'junction', 'formula', 'eval']);
    expect(JSON.parse(out[0] ?? '')).toEqual({ value: 'WEBABC123' });
    expect(exit).toBe(0);

    const program2 = new Command();
    registerFormulaCommands(program2, { readInput: () => Promise.resolve('{bad json'), write: (t) => out.push(t), setExitCode: (c) => { exit = c; } });
    await program2.parseAsync(['node', 'junction', 'formula', 'eval']);
    expect(JSON.parse(out[1] ?? '')).toMatchObject({ error: { code: 'FORMULA_BAD_REQUEST' } });
    expect(exit).toBe(1);
  });
});
