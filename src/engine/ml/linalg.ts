/** Dense linear algebra the models need: a symmetric positive-definite solve. */

/**
 * Solves A x = b for a symmetric positive-definite A (n × n, row-major),
 * by Cholesky. A tiny ridge is added when rounding makes A look singular
 * (a column that never varies), which leaves well-posed systems unchanged.
 */
export function solveSpd(A: Float64Array, b: Float64Array, n: number): Float64Array {
  let ridge = 0;
  let maxDiag = 0;
  for (let i = 0; i < n; i++) maxDiag = Math.max(maxDiag, Math.abs(A[i * n + i]));
  for (let attempt = 0; attempt < 8; attempt++) {
    const L = cholesky(A, n, ridge);
    if (L) {
      const y = new Float64Array(n);
      for (let i = 0; i < n; i++) {
        let s = b[i];
        for (let k = 0; k < i; k++) s -= L[i * n + k] * y[k];
        y[i] = s / L[i * n + i];
      }
      const x = new Float64Array(n);
      for (let i = n - 1; i >= 0; i--) {
        let s = y[i];
        for (let k = i + 1; k < n; k++) s -= L[k * n + i] * x[k];
        x[i] = s / L[i * n + i];
      }
      return x;
    }
    ridge = ridge === 0 ? Math.max(maxDiag, 1) * 1e-12 : ridge * 100;
  }
  throw new Error('solveSpd: the matrix is not positive definite.');
}

function cholesky(A: Float64Array, n: number, ridge: number): Float64Array | undefined {
  const L = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = A[i * n + j] + (i === j ? ridge : 0);
      for (let k = 0; k < j; k++) s -= L[i * n + k] * L[j * n + k];
      if (i === j) {
        if (!(s > 0)) return undefined;
        L[i * n + i] = Math.sqrt(s);
      } else L[i * n + j] = s / L[j * n + j];
    }
  }
  return L;
}
