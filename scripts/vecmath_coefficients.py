#!/usr/bin/python3
"""The polynomial coefficients of include/fusegrad/vecmath/: minimax fits for float.

Each polynomial is fitted with the Remez exchange algorithm in 50-digit arithmetic (mpmath) to
minimise the largest weighted error over its interval, the weight making it the error of the final
result relative to that result (for erf's large-argument piece, the error of erf itself). The
coefficients are then rounded to float one at a time, the remaining ones refitted to the residual
after each rounding, so that the rounding of the leading coefficients is compensated by the others.

Run from the repository root with Debian's interpreter (python3-mpmath), about two minutes:

    /usr/bin/python3 scripts/vecmath_coefficients.py

It prints, per polynomial, the largest weighted error in units of 2^-24 and the coefficients as C++
hexadecimal float literals, lowest degree first, as they appear in the headers.
"""
import struct

import mpmath as mp

mp.mp.dps = 50


def to_float(x):
    return struct.unpack('f', struct.pack('f', float(x)))[0]


def remez(f, w, basis, a, b, iterations=30, grid=4000):
    """Coefficients c minimising max |w(x)·(f(x) − Σ c_k basis_k(x))| over [a, b], and that maximum."""
    n = len(basis)
    m = n + 1
    a, b = mp.mpf(a), mp.mpf(b)
    # Chebyshev nodes of the first kind, nudged off the middle where a weight may vanish.
    ref = [(a + b) / 2 - (b - a) / 2 * mp.cos(mp.pi * (i + mp.mpf(0.5) + (mp.mpf('0.123') if 2 * i + 1 == m else 0)) / m)
           for i in range(m)]
    xs = [a + (b - a) * (1 - mp.cos(mp.pi * i / grid)) / 2 for i in range(grid + 1)]
    fx = [f(x) for x in xs]
    wx = [w(x) for x in xs]
    bx = [[p(x) for p in basis] for x in xs]
    best = None
    for _ in range(iterations):
        A = mp.matrix(m, m)
        B = mp.matrix(m, 1)
        for i, x in enumerate(ref):
            for k, p in enumerate(basis):
                A[i, k] = p(x)
            A[i, n] = (-1) ** i / w(x)
            B[i] = f(x)
        sol = mp.lu_solve(A, B)
        c = [sol[k] for k in range(n)]
        level = abs(sol[n])
        err = [wx[j] * (fx[j] - mp.fsum(c[k] * bx[j][k] for k in range(n))) for j in range(len(xs))]
        # The extremum of each run of equal sign becomes the next reference.
        runs, run = [], [0]
        for j in range(1, len(xs)):
            if (err[j] >= 0) == (err[run[-1]] >= 0):
                run.append(j)
            else:
                runs.append(run)
                run = [j]
        runs.append(run)
        extrema = [max(r, key=lambda j: abs(err[j])) for r in runs]
        while len(extrema) > m:
            extrema.pop(0 if abs(err[extrema[0]]) < abs(err[extrema[-1]]) else -1)
        worst = max(abs(e) for e in err)
        if best is None or worst < best[1]:
            best = (c, worst)
        if len(extrema) < m or worst - level < 1e-3 * worst:
            break
        ref = [xs[j] for j in extrema]
    return best


def largest_error(c, f, w, basis, a, b, grid=20000):
    a, b = mp.mpf(a), mp.mpf(b)
    return max(abs(w(x) * (f(x) - mp.fsum(ck * p(x) for ck, p in zip(c, basis))))
               for x in (a + (b - a) * i / grid for i in range(grid + 1)))


def rounded_fit(f, w, basis, a, b):
    """Round the coefficients to float in order, refitting the later ones to the residual each time."""
    fixed = []
    for k in range(len(basis)):
        def residual(x, fixed=list(fixed)):
            return f(x) - mp.fsum(c * p(x) for c, p in zip(fixed, basis))
        c, _ = remez(residual, w, basis[k:], a, b)
        fixed.append(mp.mpf(to_float(c[0])))
    return fixed, largest_error(fixed, f, w, basis, a, b)


def power(k, centre=0):
    return lambda x: (x - centre) ** k


def literal(c):
    mantissa, exponent = float(c).hex().split('p')
    return '%sp%sf' % (mantissa.rstrip('0').rstrip('.'), exponent)


def show(name, fit):
    coefficients, error = fit
    print('%s: largest weighted error %.3f x 2^-24' % (name, float(error) / 2 ** -24))
    for c in coefficients:
        print('    ' + literal(c))


def series_guard(f, near_zero, small=mp.mpf('1e-12')):
    """f away from 0, its series where the formula would cancel."""
    return lambda x: near_zero(x) if abs(x) < small else f(x)


def main():
    # exp: e^r = 1 + r + r²·q(r) on |r| ≤ ln2/2 (and a hair), relative error of e^r.
    show('exp q, exp_kernel.hpp', rounded_fit(
        series_guard(lambda r: (mp.exp(r) - 1 - r) / r ** 2, lambda r: mp.mpf(1) / 2 + r / 6),
        lambda r: r ** 2 / mp.exp(r) if r != 0 else mp.mpf('1e-30'),
        [power(k) for k in range(5)], -0.3467, 0.3467))

    # log: log(1 + f) = f − f²/2 + f³·p(f) on [√½ − 1, √2 − 1] (and a hair), relative error.
    show('log p, log_kernel.hpp', rounded_fit(
        series_guard(lambda f: (mp.log1p(f) - f + f ** 2 / 2) / f ** 3, lambda f: mp.mpf(1) / 3 - f / 4),
        lambda f: abs(f ** 3 / mp.log1p(f)) if f != 0 else mp.mpf('1e-30'),
        [power(k) for k in range(9)], mp.sqrt(0.5) - 1 - 1e-4, mp.sqrt(2) - 1 + 1e-4))

    # tanh: tanh(x) = x + x·z·p(z), z = x², |x| < 0.75, relative error.
    small = mp.mpf('1e-20')
    show('tanh p, tanh.hpp', rounded_fit(
        lambda z: -mp.mpf(1) / 3 + 2 * z / 15 if z < small else (mp.tanh(mp.sqrt(z)) - mp.sqrt(z)) / mp.sqrt(z) ** 3,
        lambda z: mp.mpf('1e-30') if z < small else mp.sqrt(z) ** 3 / mp.tanh(mp.sqrt(z)),
        [power(k) for k in range(6)], 0, mp.mpf(0.75) ** 2))

    # erf, |x| < 1: erf(x) = x + x·q(z), z = x², relative error.
    show('erf q, erf.hpp', rounded_fit(
        lambda z: 2 / mp.sqrt(mp.pi) - 1 if z < small else mp.erf(mp.sqrt(z)) / mp.sqrt(z) - 1,
        lambda z: mp.sqrt(mp.pi) / 2 if z < small else mp.sqrt(z) / mp.erf(mp.sqrt(z)),
        [power(k) for k in range(7)], 0, 1))

    # erf, 1 ≤ x ≤ 4: erf(x) = 1 − e^{−x²}·R(x − 2.5), the error of erf itself.
    show('erf R, erf.hpp', rounded_fit(
        lambda x: mp.erfc(x) * mp.exp(x * x),
        lambda x: mp.exp(-x * x) / mp.erf(x),
        [power(k, mp.mpf(2.5)) for k in range(9)], 1, 4))


if __name__ == '__main__':
    main()
