/**
 * Mann-Whitney U test (normal approximation with tie correction): the z score of "samples `a` tend to be
 * larger or smaller than samples `b`". |z| ≥ 3 means the two distributions are told apart with ~99.7 %
 * confidence; used to check that response times do not depend on a secret (e.g. whether an account exists).
 */
export function mannWhitneyZ(a: readonly number[], b: readonly number[]): number {
  const n1 = a.length;
  const n2 = b.length;
  if (n1 === 0 || n2 === 0) throw new Error("both samples need values");
  const all = [...a.map((value) => ({ value, fromA: true })), ...b.map((value) => ({ value, fromA: false }))];
  all.sort((x, y) => x.value - y.value);
  // Average ranks for ties; remember tie group sizes for the variance correction.
  const ranks = new Array<number>(all.length);
  let tieTerm = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j + 1 < all.length && all[j + 1]!.value === all[i]!.value) j++;
    const rank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) ranks[k] = rank;
    const t = j - i + 1;
    tieTerm += t ** 3 - t;
    i = j + 1;
  }
  let rankSumA = 0;
  all.forEach((entry, i) => {
    if (entry.fromA) rankSumA += ranks[i]!;
  });
  const u = rankSumA - (n1 * (n1 + 1)) / 2;
  const n = n1 + n2;
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  return variance === 0 ? 0 : (u - mean) / Math.sqrt(variance);
}
