import { describe, expect, it } from 'vitest';
import { compileFormula, FormulaMappingError, FormulaRuntimeError, type FormulaEnv } from './index.js';

function run(source: string, record: unknown = {}, env: FormulaEnv = {}): unknown {
  return compileFormula(source).run(record, env);
}
function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return (e as FormulaRuntimeError).code;
  }
  return undefined;
}

describe('iPaaS and SDK functions (reference §5.3, §5.4)', () => {
  const cases: [string, unknown, unknown?][] = [
    ['Coalesce(null, "D")', 'D'],
    ['Coalesce("", "D")', ''],
    ['Coalesce(null, null)', null],
    ['CoalesceToDecimal(null, "12.50")', 12.5],
    ['CoalesceToInt(82.8)', 82],
    ['CoalesceToInt(82.1)', 82],
    ['CoalesceToInt(null, 0)', 0],
    ['CoalesceToInt(null, "7.9")', 7],
    ['CoalesceToDateTime(null, "2024-01-02").Day', 2],
    ['ConvertToInt("7")', 7],
    ['ConvertToLong("123456789012")', 123456789012],
    ['ConvertToDecimal("1.25")', 1.25],
    ['ConvertToDouble(3)', 3],
    ['ConvertToInt("7") / 2', 3],
    ['ConvertToDecimal("7") / 2', 3.5],
    ['TypesafeMultiplication(2.5, 4)', 10],
    ['TypesafeMultiplication(null, 4)', 0],
    ['TypesafeDivision(null, 4)', 0],
    ['TypesafeDivision(10, 4)', 2.5],
    ['First(Items)', 'a', { Items: ['a', 'b'] }],
    ['First(Items)', null, { Items: [] }],
    ['IntListFromString("[1,2,3]")', [1, 2, 3]],
    ['IntListFromString("1, 2,3")', [1, 2, 3]],
    ['IntListFromString("")', null],
    ['StringListFromString("[a,b]")', ['a', 'b']],
    ['StringListFromString("x")', ['x']],
    ['Larger(-3, 0)', 0],
    ['Larger(null, null)', 0],
    ['Larger(null, 5)', 5],
    ['Larger(2.5, 2)', 2.5],
    ['ReadFromStringDictionary(JSONToDictionary("{\\"a\\":\\"1\\",\\"b\\":2}"), "b")', '2'],
    ['ReadFromStringDictionary(JSONToDictionary("{\\"a\\":\\"1\\"}"), "zz")', null],
    ['SubstringAfterLastMatch("a.b.c", ".")', 'c'],
    ['SubstringAfterLastMatch("abc", "|")', null],
    ['SubstringAfterLastMatch("", "|")', null],
    ['RemovePrefix("BC", "BC123")', '123'],
    ['RemovePrefix("BC", "XY123")', 'XY123'],
    ['RegExMatch("The dog is running", "^The")', true],
    ['RegExMatch("The dog", "cat")', false],
    ['RegExMatch(null, "x")', false],
    ['WildcardMatch("test1234", "%est1%")', true],
    ['WildcardMatch("test1234", "est%")', false],
    ['WildcardMatch("a.c", "a_c")', true],
    ['Truncate(null, 5)', null],
    ['Truncate("abc", 5)', 'abc'],
    ['Truncate("abcdef", 3)', 'abc'],
    ['IsEmpty(null)', true],
    ['IsEmpty("")', true],
    ['IsEmpty("   ")', false],
    ['IsEmpty(0)', false],
    ['IsEmpty(0.0)', true],
    ['IsEmpty(Convert.ToDecimal("0"))', true],
    ['IsEmpty("x")', false],
    ['IsNull(null)', true],
    ['IsNull("")', false],
    ['GetValue(Customer, "Name.FirstName")', 'Ann', { Customer: { Name: { FirstName: 'Ann' } } }],
    ['GetValue(Customer, "Missing")', null, { Customer: {} }],
    ['GetCustomFieldValue(CustomFields, "Tier")', 'Gold', { CustomFields: { Tier: 'Gold' } }],
    ['GetCustomFieldValue(CustomFields, "Tier")', 'Gold', { CustomFields: [{ Name: 'Tier', Value: 'Gold' }] }],
    ['GetCustomFieldValue(CustomFields, "Tier")', 'Gold', { CustomFields: [{ CustomFieldName: 'Tier', Value: 'Gold' }] }],
    ['GetCustomFieldValue(CustomFields, "Tier")', 'Gold', { CustomFields: [{ custom_field_name: 'Tier', value: 'Gold' }] }],
    ['GetCustomFieldValue(CustomFields, "Tier")', null, { CustomFields: null }],
    ['GetValueFromCustomField(AdditionalProperties, "Active_Web_User")', true, { AdditionalProperties: [{ Key: 'Active_Web_User', Value: true }] }],
    ['GetValueFromCustomField(AdditionalProperties, "Active_Web_User")', 'Yes', { AdditionalProperties: '{"Active_Web_User":"Yes"}' }],
    ['GetValueFromCustomField(AdditionalProperties, "Active_Web_User")', null, { AdditionalProperties: 'not json' }],
    ['Required(Email, "Email is required")', 'a@b.c', { Email: 'a@b.c' }],
    ['CountryCode("Germany")', 'DE'],
    ['CountryCode("us")', 'US'],
    ['CountryCode("Atlantis")', null],
    ['CountryCodeRequired("Canada")', 'CA'],
    ['FieldFromFirstMatch(null, "A == 1", "B")', null],
    ['FieldFromFirstMatch(Items, Cond, "B")', 2, { Items: [{ A: 1, B: 2 }], Cond: 'A == 1' }],
    ['FieldFromFirstMatch(Items, "A == 1 && C != null", "B")', 3, { Items: [{ A: 1, B: 2 }, { A: 1, B: 3, C: 'x' }] }],
    ['FieldFromFirstMatch(Items, "A == SpaceportSystemId", "B")', 9, { Items: [{ A: 5, B: 9 }] }],
    ['FieldFromFirstMatch(Items, "SpaceportSystemId == 5", "B")', 1, { Items: [{ B: 1 }, { B: 2 }] }],
    ['FieldFromFirstMatch(Items, "A == 1", "B.C")', 'deep', { Items: [{ A: 1, B: { C: 'deep' } }] }],
    ['FieldFromFirstMatch(Items, "A == 1", "constructor")', null, { Items: [{ A: 1 }] }],
    ['FieldFromFirstMatch(Items, "A == 1", "B")', null, { Items: [null, 'x', 7, { A: 1 }] }],
    ['FieldFromFirstMatch(Items, "\\"x\\" == A", "B")', 3, { Items: [{ A: 'y', B: 2 }, { A: 'x', B: 3 }] }],
    ['FirstMatch(Items, "A = 2")', null, { Items: [{ A: 1 }] }],
    ['FirstMatch(Items, "A = 1").B', 4, { Items: [{ A: 1, B: 4 }] }],
  ];
  it.each(cases)('%s', (source, expected, record) => {
    expect(run(source, record ?? {}, { variables: { SpaceportSystemId: 5 } })).toEqual(expected);
  });

  it('Required throws FormulaMappingError with the message', () => {
    const f = compileFormula('Required(Email, "Email is required for BC customers")');
    expect(() => f.run({ Email: null }, {})).toThrow(FormulaMappingError);
    expect(() => f.run({ Email: '' }, {})).toThrow('Email is required for BC customers');
    expect(codeOf(() => f.run({}, {}))).toBe('FORMULA_MAPPING');
  });
  it('<Name>Required convention throws FormulaMappingError when nothing is found', () => {
    const f = compileFormula('CountryCodeRequired(Country)');
    expect(() => f.run({ Country: 'Atlantis' }, {})).toThrow(FormulaMappingError);
    expect(() => f.run({ Country: 'Atlantis' }, {})).toThrow(/CountryCodeRequired.*Atlantis/);
  });
  it('TypesafeDivision by zero and by null throw', () => {
    expect(codeOf(() => run('TypesafeDivision(1, 0)'))).toBe('FORMULA_DIVIDE_BY_ZERO');
    expect(codeOf(() => run('TypesafeDivision(1, null)'))).toBe('FORMULA_ARGUMENT');
  });
  it('ConvertToInt of bad input throws FORMULA_FORMAT', () => {
    expect(codeOf(() => run('ConvertToInt("abc")'))).toBe('FORMULA_FORMAT');
  });
  it('RegExMatch refuses catastrophic patterns', () => {
    expect(codeOf(() => run('RegExMatch(X, "(a+)+$")', { X: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!' }))).toBe('FORMULA_REGEX');
    expect(codeOf(() => run('RegExMatch(X, "(a*)*b")', { X: 'aaaa' }))).toBe('FORMULA_REGEX');
  });
  it('RegExMatch caps input length and rejects invalid patterns', () => {
    expect(codeOf(() => run('RegExMatch(X, "a")', { X: 'a'.repeat(20_000) }))).toBe('FORMULA_REGEX');
    expect(codeOf(() => run('RegExMatch("a", "(")'))).toBe('FORMULA_REGEX');
  });
  it('FieldFromFirstMatch on a non-list reports the SDK parameter message', () => {
    expect(codeOf(() => run('FieldFromFirstMatch(Name, "A == 1", "B")', { Name: 'x' }))).toBe('FORMULA_ARGUMENT');
    expect(codeOf(() => run('FirstMatch(Name, Cond)', { Name: 'x', Cond: 'A == 1' }))).toBe('FORMULA_ARGUMENT');
  });
  it('a non-literal condition with a syntax error is a runtime FORMULA_ARGUMENT', () => {
    expect(codeOf(() => run('FirstMatch(Items, Cond)', { Items: [{}], Cond: 'A ==' }))).toBe('FORMULA_ARGUMENT');
  });
  it('Wrong argument types report the SDK message', () => {
    expect(() => run('Truncate("abc", "x")')).toThrow(/Invalid parameter passed to the method Truncate/);
  });
});

describe('Convert and Parse', () => {
  const cases: [string, unknown][] = [
    ['Convert.ToInt32("42")', 42],
    ['Convert.ToInt32(2.5)', 2],
    ['Convert.ToInt32(3.5)', 4],
    ['Convert.ToInt32(null)', 0],
    ['Convert.ToInt32(true)', 1],
    ['Convert.ToInt64(" 9 ")', 9],
    ['Convert.ToDecimal("1,234.5")', 1234.5],
    ['Convert.ToDouble("-1.5e2")', -150],
    ['Convert.ToBoolean("TRUE")', true],
    ['Convert.ToBoolean(0)', false],
    ['Convert.ToString(null)', ''],
    ['Convert.ToString(5)', '5'],
    ['int.Parse("12") + 1', 13],
    ['decimal.Parse("12.50")', 12.5],
    ['Int32.Parse("-3")', -3],
    ['double.Parse("0.5") * 2', 1],
    ['bool.Parse("false")', false],
    ['int.MaxValue', 2147483647],
  ];
  it.each(cases)('%s', (source, expected) => {
    expect(run(source)).toEqual(expected);
  });
  const failures: [string, string][] = [
    ['Convert.ToInt32("12.5")', 'FORMULA_FORMAT'],
    ['Convert.ToInt32("abc")', 'FORMULA_FORMAT'],
    ['Convert.ToDecimal("1.2.3")', 'FORMULA_FORMAT'],
    ['int.Parse("")', 'FORMULA_FORMAT'],
    ['int.Parse(null)', 'FORMULA_ARGUMENT'],
    ['Convert.ToInt32("99999999999")', 'FORMULA_OVERFLOW'],
    ['Convert.ToBoolean("yes")', 'FORMULA_FORMAT'],
    ['DateTime.Parse("not a date")', 'FORMULA_FORMAT'],
  ];
  it.each(failures)('%s throws %s', (source, code) => {
    expect(codeOf(() => run(source))).toBe(code);
  });
  it('bad input message is the .NET one', () => {
    expect(() => run('Convert.ToInt32("x")')).toThrow('Input string was not in a correct format.');
  });
});

describe('lookups', () => {
  const links = [{ systemId: '42', table: 'Company', externalId: 'C-1', hubId: '5501' }];
  const env: FormulaEnv = {
    variables: { SpaceportSystemId: 42 },
    services: {
      getHubId: (ext, table, sys) => Promise.resolve(links.find((l) => l.externalId === ext && l.table.toLowerCase() === table.toLowerCase() && l.systemId === sys)?.hubId ?? null),
      getExternalId: (hub, table, sys) => Promise.resolve(links.find((l) => l.hubId === hub && l.table.toLowerCase() === table.toLowerCase() && l.systemId === sys)?.externalId ?? null),
      translate: (table, key) => (table === 'Tier' && key === 'G' ? 'Gold' : null),
    },
  };
  const seed001 = 'if (CompanyID_Contact != null) return await GetSpaceportIdAsync(CompanyID_Contact, "Company", SpaceportSystemId); return "";';

  it('seed 001: linked company resolves to its hub id', async () => {
    const f = compileFormula(seed001);
    expect(f.isAsync).toBe(true);
    await expect(f.run({ CompanyID_Contact: 'C-1' }, env)).resolves.toBe('5501');
  });
  it('seed 001: no company → empty string', async () => {
    await expect(compileFormula(seed001).run({ CompanyID_Contact: null }, env)).resolves.toBe('');
  });
  it('§6 GetSpaceportIdAsync: unlinked → null', async () => {
    await expect(compileFormula('await GetSpaceportIdAsync(UserId, "Customer", SpaceportSystemId)').run({ UserId: 'nope' }, env)).resolves.toBeNull();
  });
  it('§6 GetSpaceportIdAsync: linked → hub id', async () => {
    const e: FormulaEnv = { ...env, services: { ...env.services!, getHubId: () => Promise.resolve('5501') } };
    await expect(compileFormula('await GetSpaceportIdAsync(UserId, "Customer", SpaceportSystemId)').run({ UserId: 7 }, e)).resolves.toBe('5501');
  });
  it('seed 004 RelatedToId: parent account to hub company id (table case-insensitive)', async () => {
    const f = compileFormula('await GetHubIdAsync(parent.AccountId, "company", SpaceportSystemId)');
    await expect(f.run({}, { ...env, parent: { AccountId: 'C-1' } })).resolves.toBe('5501');
  });
  it('GetExternalIdAsync resolves the reverse link', async () => {
    await expect(compileFormula('await GetExternalIdAsync(HubId, "Company", 42)').run({ HubId: '5501' }, env)).resolves.toBe('C-1');
  });
  it('GetSpaceportId without await is async too', async () => {
    const f = compileFormula('GetSpaceportId(X, "Company", SpaceportSystemId) ?? "none"');
    expect(f.isAsync).toBe(true);
    await expect(f.run({ X: 'zz' }, env)).resolves.toBe('none');
  });
  it('no services → FORMULA_NO_SERVICES', async () => {
    await expect(compileFormula('await GetHubIdAsync("1", "Company", 1)').run({}, {})).rejects.toMatchObject({ code: 'FORMULA_NO_SERVICES' });
  });
  it('service failure → FORMULA_LOOKUP', async () => {
    const e: FormulaEnv = { services: { ...env.services!, getHubId: () => Promise.reject(new Error('boom')) } };
    await expect(compileFormula('await GetHubIdAsync("1", "Company", 1)').run({}, e)).rejects.toMatchObject({ code: 'FORMULA_LOOKUP' });
  });
  it('LookupTranslation translates, defaults, and is synchronous', () => {
    const f = compileFormula('LookupTranslation("Tier", Code, "Standard")');
    expect(f.isAsync).toBe(false);
    expect(f.run({ Code: 'G' }, env)).toBe('Gold');
    expect(f.run({ Code: 'X' }, env)).toBe('Standard');
    expect(codeOf(() => f.run({ Code: 'G' }, {}))).toBe('FORMULA_NO_SERVICES');
  });
  it('await before a non-async value is allowed and keeps the formula synchronous', () => {
    const f = compileFormula('await Name');
    expect(f.isAsync).toBe(false);
    expect(f.run({ Name: 'x' }, {})).toBe('x');
  });
  it('formulas without lookups run synchronously', () => {
    const f = compileFormula('FirstName + "!"');
    expect(f.isAsync).toBe(false);
    expect(f.run({ FirstName: 'a' }, {})).toBe('a!');
  });
  it('async runtime errors carry line and column', async () => {
    const f = compileFormula('var x = await GetHubIdAsync("1", "Company", 1);\nreturn x.ToUpper();');
    await expect(f.run({}, env)).rejects.toMatchObject({ code: 'FORMULA_NULL_REFERENCE', line: 2, column: 10 });
  });
});
