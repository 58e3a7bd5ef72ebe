/** Sync engine benchmarks (filled in below as they land). */
export async function runSyncBench(): Promise<Array<{ name: string; value: number; unit: string; target?: string }>> {
  return [];
}
