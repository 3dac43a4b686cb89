//! Exact number of regions that one hidden layer cuts an open box into.
//!
//! Neuron `i` of a layer `x @ W + b` (``W`` of shape `(d, L)`) switches on the
//! hyperplane `H_i = {x : W[:, i] . x + b_i = 0}`. Zaslavsky's theorem restricted
//! to the open convex box `B` counts the regions inside it as a sum over the flats
//! (non-empty intersections of hyperplanes) that meet `B`, of `|mu(X)|`, the
//! Moebius function of the intersection poset; and `|mu(X)|` is the number of
//! *broken-circuit-free* (NBC) subsets `S` of hyperplanes with `/\_{i in S} H_i = X`
//! (Whitney, Orlik-Solomon; see `docs/window.md`). So
//!
//! ```text
//! regions(B) = #{ NBC subsets S : the flat  /\_{i in S} H_i  meets B }
//! ```
//!
//! For hyperplanes in general position relative to `B` every subset whose flat
//! meets `B` is NBC, and this is `sum_{k=0}^{d} #{k-subsets whose flat meets B}`.
//! In the order of the enumeration (the neurons from the last to the first) a set
//! `s_1 < ... < s_k` is NBC iff, for every `m`, no hyperplane after `s_m` contains
//! the flat of `s_1..s_m` (Bjoerner's characterisation, read in reverse); with that
//! order, the NBC sets whose first hyperplane is neuron `i` number the regions
//! neuron `i` adds after neurons `0..i` (deletion and restriction), which is how
//! the increments are credited. A later hyperplane contains the flat of a prefix
//! exactly when it is tested as the prefix's child and found dependent, and two
//! points of a line coincide exactly when their positions agree: a prefix of the
//! first kind counts nothing (nor does any set over it), and of coinciding points
//! only the one of the latest hyperplane counts.
//!
//! Each flat test needs only small determinants: the flat `A_S x = q_S` meets the
//! open box `[-1, 1]^d` iff `q_S` lies in the interior of the zonotope
//! `Z = sum_j [-a_j, a_j]` spanned by the columns `a_j` of `A_S`, i.e. iff
//! `|det[A_T, q]| < sum_j |det[A_T, a_j]|` for every set `T` of `k - 1`
//! columns (the facet normals of `Z`). Subsets are enumerated depth first
//! with pruning (a flat that misses the box has no sub-flat in the box), in
//! parallel over the first hyperplane.
//!
//! Every decision is first made in floating point with a margin `tol` (after
//! the box is mapped to `[-1, 1]^d` and every weight vector normalised); a
//! decision inside the margin is taken again in exact integer arithmetic on
//! the caller's numbers (`exact_flat`: each double is a dyadic rational), and
//! so is every dependence and every coincidence: a flat that only touches the
//! box's boundary misses the open box. Points along every line of `d - 1`
//! hyperplanes are sorted by position, and those closer than their rounding
//! error are compared exactly.

use crate::error::{CoreError, CoreResult};
use ndarray::{ArrayView1, ArrayView2};
use num_bigint::BigInt;
use num_integer::Integer;
use num_traits::{Signed, ToPrimitive, Zero};
use rayon::prelude::*;
use std::sync::atomic::{AtomicU64, Ordering};

/// Default margin of the floating-point filter (relative to the box mapped onto `[-1, 1]^d`); decisions inside it
/// are taken again exactly.
pub const DEFAULT_TOL: f64 = 1e-9;
/// Default limit on the steps of work ([`work_estimate`]).
pub const DEFAULT_MAX_WORK: u64 = 100_000_000_000;
/// Largest supported input dimension.
pub const MAX_DIM: usize = 12;
/// Fewest roundings of its largest coordinate (`2^-52 max(|lo[k]|, |hi[k]|)`) that a box of
/// [`network_regions_in_box`] or a window of `pictures::region_polygons` must be wide in every coordinate: no double
/// lies strictly inside a box one rounding wide, and a narrower one's points and corners round onto its boundary.
pub const MIN_WIDTH_ULPS: f64 = 64.0;

/// Refuse a box `lo < x < hi` (its coordinates finite, `lo < hi`) narrower than [`MIN_WIDTH_ULPS`] roundings of its
/// largest coordinate in some coordinate; `what` names it in the message ("the box", "the window").
pub fn check_width(what: &str, lo: &[f64], hi: &[f64]) -> CoreResult<()> {
    for (k, (&l, &h)) in lo.iter().zip(hi).enumerate() {
        if too_narrow(l, h) {
            let least = MIN_WIDTH_ULPS * f64::EPSILON * l.abs().max(h.abs());
            return Err(CoreError::InvalidArgument(format!(
                "{what} must be at least {MIN_WIDTH_ULPS} roundings of its largest coordinate wide in every \
                 coordinate ({MIN_WIDTH_ULPS} * 2^-52 * max(|lo[{k}]|, |hi[{k}]|) = {least:e} here: no double lies \
                 strictly inside a box one rounding wide, and the points of a narrower one round onto its \
                 boundary), got lo[{k}]={l:e} hi[{k}]={h:e}"
            )));
        }
    }
    Ok(())
}

/// Whether `lo < x < hi` is narrower than [`MIN_WIDTH_ULPS`] roundings of its largest coordinate (see
/// [`check_width`]).
fn too_narrow(lo: f64, hi: f64) -> bool {
    hi - lo < MIN_WIDTH_ULPS * f64::EPSILON * lo.abs().max(hi.abs())
}

/// Half the width of `lo < x < hi`, halved before the difference (which overflows for a box of +-1e308): 0 for a box
/// one or two of the smallest subnormals wide, which [`network_regions_in_box`] refuses.
fn half_width(lo: f64, hi: f64) -> f64 {
    0.5 * hi - 0.5 * lo
}

/// Which rule of a network's box ([`network_regions_in_box`]) and a picture's window (`pictures::region_polygons`)
/// one coordinate's bounds `lo < x < hi` break, in the order they are checked; `None` when they break none. The
/// command line's `--box LO HI` is read by these rules (`window_box_fault` in Python), in its own words.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BoxFault {
    /// `lo` or `hi` is NaN or infinite.
    NotFinite,
    /// Not `lo < hi`.
    Empty,
    /// Half the width rounds to 0 (`half_width`).
    HalvesToZero,
    /// Under [`MIN_WIDTH_ULPS`] roundings of the largest coordinate wide ([`check_width`]).
    Narrow,
}

impl BoxFault {
    /// The fault's name as Python reads it: `"not finite"`, `"empty"`, `"halves to 0"` or `"narrow"`.
    pub fn name(self) -> &'static str {
        match self {
            BoxFault::NotFinite => "not finite",
            BoxFault::Empty => "empty",
            BoxFault::HalvesToZero => "halves to 0",
            BoxFault::Narrow => "narrow",
        }
    }
}

/// The first rule of [`BoxFault`] that `lo < x < hi` breaks, or `None`.
pub fn box_fault(lo: f64, hi: f64) -> Option<BoxFault> {
    if !(lo.is_finite() && hi.is_finite()) {
        Some(BoxFault::NotFinite)
    } else if lo >= hi {
        // (both finite here: `>=` is exactly the negation of `lo < hi`)
        Some(BoxFault::Empty)
    } else if half_width(lo, hi) == 0.0 {
        Some(BoxFault::HalvesToZero)
    } else if too_narrow(lo, hi) {
        Some(BoxFault::Narrow)
    } else {
        None
    }
}

/// Smallest largest weight of a hyperplane scaled to the box (`|W[k, i] (hi_k - lo_k) / 2|`) read in floating point:
/// `2^-960`, far enough above the subnormals (below `2^-1022`) that the row's other weights, divided by it, keep
/// their relative precision to within `2^-114` of the largest; a smaller one is read exactly.
const TINY_WEIGHT: f64 = f64::from_bits(63 << 52); // biased exponent 63: 2^(63 - 1023)

/// Result of [`regions_in_box`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WindowCount {
    /// Number of regions inside the open box.
    pub regions: u64,
    /// `increments[i]`: regions added when neuron `i` is added after neurons
    /// `0..i` (the number of pieces the earlier hyperplanes cut `H_i` into
    /// inside the box; 0 when `H_i` misses the box). `regions = 1 + sum`.
    pub increments: Vec<u64>,
}

/// Options of [`regions_in_box`].
#[derive(Debug, Clone, Copy)]
pub struct WindowOptions {
    /// Margin of the floating-point filter (decisions inside it are taken exactly); raised internally to a
    /// multiple of the rounding bound when smaller.
    pub tol: f64,
    /// Refuse when the worst-case steps of work, [`work_estimate`]`(L_active, d)`, exceed this.
    pub max_work: u64,
}

impl Default for WindowOptions {
    fn default() -> Self {
        WindowOptions { tol: DEFAULT_TOL, max_work: DEFAULT_MAX_WORK }
    }
}

/// Hyperplanes meeting the box, in box coordinates `[-1, 1]^d`, `w . u = q`, `|w|_2 = 1`.
struct Arr<'a> {
    /// The caller's arrays, read again (exactly) by [`exact_row`] for the decisions inside the margin.
    src: Source<'a>,
    d: usize,
    w: Vec<f64>,
    q: Vec<f64>,
    /// Rows `(w, q)`, stride `d + 1`.
    ext: Vec<f64>,
    orig: Vec<usize>,
    tol: f64,
    /// Rounding bound of one `d x d` determinant of normalised rows.
    delta: f64,
}

/// The caller's layer and box, as given.
#[derive(Clone, Copy)]
struct Source<'a> {
    w: ArrayView2<'a, f64>,
    b: ArrayView1<'a, f64>,
    lo: ArrayView1<'a, f64>,
    hi: ArrayView1<'a, f64>,
}

impl Arr<'_> {
    #[inline]
    fn row(&self, i: usize) -> &[f64] {
        &self.w[i * self.d..(i + 1) * self.d]
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Test {
    Inside,
    Outside,
    /// Inside the margin: to be decided exactly ([`exact_flat`]).
    Ambiguous,
}

/// Determinant of the `m x m` row-major matrix in `a` (destroyed).
fn det(m: usize, a: &mut [f64]) -> f64 {
    match m {
        0 => 1.0,
        1 => a[0],
        2 => a[0] * a[3] - a[1] * a[2],
        3 => {
            a[0] * (a[4] * a[8] - a[5] * a[7]) - a[1] * (a[3] * a[8] - a[5] * a[6]) + a[2] * (a[3] * a[7] - a[4] * a[6])
        }
        _ => {
            let mut sign = 1.0;
            let mut prod = 1.0;
            for c in 0..m {
                let mut p = c;
                for r in c + 1..m {
                    if a[r * m + c].abs() > a[p * m + c].abs() {
                        p = r;
                    }
                }
                let piv = a[p * m + c];
                if piv == 0.0 {
                    return 0.0;
                }
                if p != c {
                    for k in 0..m {
                        a.swap(p * m + k, c * m + k);
                    }
                    sign = -sign;
                }
                prod *= piv;
                for r in c + 1..m {
                    let f = a[r * m + c] / piv;
                    if f != 0.0 {
                        for k in c + 1..m {
                            a[r * m + k] -= f * a[c * m + k];
                        }
                    }
                }
            }
            sign * prod
        }
    }
}

/// Next `t.len()`-combination of `0..n` in lexicographic order; false after the last.
fn next_combination(t: &mut [usize], n: usize) -> bool {
    let k = t.len();
    let mut i = k;
    while i > 0 {
        i -= 1;
        if t[i] < n - k + i {
            t[i] += 1;
            for j in i + 1..k {
                t[j] = t[j - 1] + 1;
            }
            return true;
        }
    }
    false
}

/// Does the flat `{u : w_s . u = q_s, s in S}` meet the open cube `(-1, 1)^d`?
/// Zonotope facet test (module docs); each `T` is a set of `k - 1` columns.
fn flat_test(arr: &Arr, s: &[usize]) -> Test {
    let k = s.len();
    let d = arr.d;
    let tol = arr.tol;
    if k == 0 {
        return Test::Inside;
    }
    let mut t: Vec<usize> = (0..k - 1).collect();
    let mut v = [0.0f64; MAX_DIM];
    let mut buf = [0.0f64; MAX_DIM * MAX_DIM];
    let mut any_sat = false;
    let mut any_amb = false;
    loop {
        // v_r = (-1)^r det(rows S \ {r}, columns T): the facet normal orthogonal to the columns T.
        for (r, vr) in v.iter_mut().enumerate().take(k) {
            let mut idx = 0;
            for (rr, &si) in s.iter().enumerate() {
                if rr == r {
                    continue;
                }
                let row = arr.row(si);
                for &c in &t {
                    buf[idx] = row[c];
                    idx += 1;
                }
            }
            let dt = det(k - 1, &mut buf[..(k - 1) * (k - 1)]);
            *vr = if r % 2 == 0 { dt } else { -dt };
        }
        let lhs = s.iter().enumerate().map(|(r, &si)| v[r] * arr.q[si]).sum::<f64>().abs();
        let mut rhs = 0.0;
        let mut ti = 0;
        for c in 0..d {
            if ti < t.len() && t[ti] == c {
                ti += 1;
                continue;
            }
            rhs += s.iter().enumerate().map(|(r, &si)| v[r] * arr.row(si)[c]).sum::<f64>().abs();
        }
        if lhs == 0.0 && rhs == 0.0 {
            // T spans no facet (its columns are dependent): no constraint.
        } else if lhs <= tol && rhs <= tol {
            // A facet normal within the rounding of zero: whether T spans a facet, and on which side of it the
            // flat lies, is decided exactly (skipping it as no facet counted a line on the box's boundary as
            // inside, a fuzzer found: hyperplanes tilted by 1e-8 make facet normals of about that size).
            any_amb = true;
        } else if lhs >= rhs + tol {
            return Test::Outside;
        } else if lhs <= rhs - tol {
            any_sat = true;
        } else {
            any_amb = true;
        }
        if k == 1 || !next_combination(&mut t, d) {
            break;
        }
    }
    if any_amb || !any_sat {
        Test::Ambiguous
    } else {
        Test::Inside
    }
}

// ---- exact decisions ---------------------------------------------------------------------------------------
//
// A decision inside the floating-point margin is taken again in exact integer arithmetic on the caller's own
// numbers: every f64 is a dyadic rational `m 2^e`, and so is every entry of a hyperplane mapped onto the box
// `[-1, 1]^d` (`w_k (hi_k - lo_k) / 2`, and `-(b + sum_k w_k (hi_k + lo_k) / 2)`). Scaled by a power of two (a
// positive factor, which moves no hyperplane) each row is a vector of integers, and the zonotope test of
// [`flat_test`] becomes a comparison of integers (determinants by Bareiss's fraction-free elimination).

/// A dyadic rational `m 2^e`, exactly.
#[derive(Clone)]
struct Dyadic {
    m: BigInt,
    e: i64,
}

impl Dyadic {
    fn of(x: f64) -> Dyadic {
        if x == 0.0 {
            return Dyadic { m: BigInt::zero(), e: 0 };
        }
        let bits = x.to_bits();
        let exp = ((bits >> 52) & 0x7ff) as i64;
        let frac = bits & ((1u64 << 52) - 1);
        let (m, e) = if exp == 0 { (frac, -1074) } else { (frac | (1u64 << 52), exp - 1075) };
        let m = BigInt::from(m);
        Dyadic { m: if x < 0.0 { -m } else { m }, e }
    }
    fn mul(&self, o: &Dyadic) -> Dyadic {
        Dyadic { m: &self.m * &o.m, e: self.e + o.e }
    }
    fn add(&self, o: &Dyadic) -> Dyadic {
        if self.m.is_zero() {
            return o.clone();
        }
        if o.m.is_zero() {
            return self.clone();
        }
        let e = self.e.min(o.e);
        Dyadic { m: (&self.m << (self.e - e) as usize) + (&o.m << (o.e - e) as usize), e }
    }
    fn half(&self) -> Dyadic {
        Dyadic { m: self.m.clone(), e: self.e - 1 }
    }
    fn neg(&self) -> Dyadic {
        Dyadic { m: -&self.m, e: self.e }
    }
    /// The nearest double, to about one rounding (the mantissa is cut to 64 bits first), 0 or infinity beyond the
    /// range.
    fn to_f64(&self) -> f64 {
        let shift = self.m.bits().saturating_sub(64);
        let x = (&self.m >> shift as usize).to_f64().unwrap_or(f64::NAN);
        // (x is below 2^64: beyond 2^+-4000 it is 0 or infinite whatever the rest of the exponent)
        times_pow2(x, (self.e + shift as i64).clamp(-4000, 4000) as i32)
    }
}

/// Hyperplane `j` of the caller's layer in box coordinates, `(w_1, ..., w_d, q)` with `w . u = q`, exactly:
/// `w_k = W[k, j] (hi_k - lo_k) / 2` and `q = -(b_j + sum_k W[k, j] (hi_k + lo_k) / 2)`.
fn exact_dyadic_row(src: &Source<'_>, j: usize) -> Vec<Dyadic> {
    let d = src.w.nrows();
    let mut row = Vec::with_capacity(d + 1);
    let mut off = Dyadic::of(src.b[j]);
    for k in 0..d {
        let (w, lo, hi) = (Dyadic::of(src.w[[k, j]]), Dyadic::of(src.lo[k]), Dyadic::of(src.hi[k]));
        row.push(w.mul(&hi.add(&lo.neg()).half()));
        off = off.add(&w.mul(&hi.add(&lo).half()));
    }
    row.push(off.neg());
    row
}

/// [`exact_dyadic_row`] scaled by a positive power of two to integers.
fn exact_row(src: &Source<'_>, j: usize) -> Vec<BigInt> {
    let row = exact_dyadic_row(src, j);
    let e = row.iter().filter(|x| !x.m.is_zero()).map(|x| x.e).min().unwrap_or(0);
    row.into_iter().map(|x| if x.m.is_zero() { x.m } else { x.m << (x.e - e) as usize }).collect()
}

/// Determinant of the `m x m` row-major integer matrix in `a` (destroyed), by Bareiss's fraction-free elimination.
fn exact_det(m: usize, a: &mut [BigInt]) -> BigInt {
    if m == 0 {
        return BigInt::from(1);
    }
    let mut negate = false;
    let mut prev = BigInt::from(1);
    for k in 0..m {
        if a[k * m + k].is_zero() {
            match (k + 1..m).find(|&r| !a[r * m + k].is_zero()) {
                None => return BigInt::zero(),
                Some(r) => {
                    for c in 0..m {
                        a.swap(r * m + c, k * m + c);
                    }
                    negate = !negate;
                }
            }
        }
        for i in k + 1..m {
            for j in k + 1..m {
                let v = (&a[i * m + j] * &a[k * m + k] - &a[i * m + k] * &a[k * m + j]) / &prev;
                a[i * m + j] = v;
            }
        }
        prev = a[k * m + k].clone();
    }
    let det = a[m * m - 1].clone();
    if negate {
        -det
    } else {
        det
    }
}

/// What the exact test says of a subset's flat.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Exact {
    /// It meets the open box (the weight vectors are independent).
    Inside,
    /// It misses the open box (it may touch its boundary), or the hyperplanes have no common point.
    Outside,
    /// The weight vectors are linearly dependent and the hyperplanes share a flat (the flat of an independent part of
    /// them, so it meets the box when that part's flat does).
    Dependent,
}

/// Ranks of the integer rows `rows` (`(w, q)`, `d + 1` entries each): of their first `d` columns (the weight
/// vectors) and of all of them, from one echelon form (Gaussian elimination without division, column by column, so
/// the pivots in the first `d` columns are those of the weights alone; each row divided by the gcd of its entries to
/// keep them small).
fn exact_ranks(rows: &[Vec<BigInt>], d: usize) -> (usize, usize) {
    let mut m: Vec<Vec<BigInt>> = rows.to_vec();
    let (mut rank, mut rank_w) = (0, 0);
    for c in 0..=d {
        let Some(p) = (rank..m.len()).find(|&r| !m[r][c].is_zero()) else {
            continue;
        };
        m.swap(rank, p);
        let (top, rest) = m.split_at_mut(rank + 1);
        let piv = &top[rank];
        for row in rest.iter_mut() {
            if row[c].is_zero() {
                continue;
            }
            let f = row[c].clone();
            for (x, y) in row.iter_mut().zip(piv.iter()) {
                *x = &*x * &piv[c] - y * &f;
            }
            let g = row.iter().fold(BigInt::zero(), |g, x| g.gcd(x));
            if !g.is_zero() {
                for x in row.iter_mut() {
                    *x /= &g;
                }
            }
        }
        rank += 1;
        if c < d {
            rank_w = rank;
        }
    }
    (rank_w, rank)
}

/// [`flat_test`] in exact arithmetic on the rows of [`exact_row`] (`d + 1` integers each). Dependence is decided
/// first, by ranks: dependent weight vectors whose equations are inconsistent (parallel hyperplanes) have no
/// common point, and consistent ones are `Dependent`; independent ones get the zonotope test.
fn exact_flat_rows(d: usize, rows: &[Vec<BigInt>]) -> CoreResult<Exact> {
    crate::limits::check()?;
    let k = rows.len();
    let (rank_w, rank) = exact_ranks(rows, d);
    if rank_w < k {
        return Ok(if rank > rank_w { Exact::Outside } else { Exact::Dependent });
    }
    let mut t: Vec<usize> = (0..k - 1).collect();
    let mut v = vec![BigInt::zero(); k];
    let mut buf: Vec<BigInt> = Vec::with_capacity((k - 1) * (k - 1));
    let mut any_sat = false;
    loop {
        for (r, vr) in v.iter_mut().enumerate() {
            buf.clear();
            for (rr, row) in rows.iter().enumerate() {
                if rr != r {
                    buf.extend(t.iter().map(|&c| row[c].clone()));
                }
            }
            let dt = exact_det(k - 1, &mut buf);
            *vr = if r % 2 == 0 { dt } else { -dt };
        }
        let dot = |c: usize| rows.iter().zip(&v).map(|(row, vr)| &row[c] * vr).sum::<BigInt>();
        let lhs = dot(d).abs();
        let rhs: BigInt = (0..d).filter(|c| !t.contains(c)).map(|c| dot(c).abs()).sum();
        if lhs.is_zero() && rhs.is_zero() {
            // T spans no facet: no constraint.
        } else if lhs >= rhs {
            return Ok(Exact::Outside);
        } else {
            any_sat = true;
        }
        if k == 1 || !next_combination(&mut t, d) {
            break;
        }
    }
    // Independent weight vectors: some T spans a facet (its normal is orthogonal to T's columns, not to all).
    debug_assert!(any_sat);
    Ok(if any_sat { Exact::Inside } else { Exact::Outside })
}

/// [`exact_flat_rows`] for the subset `s` of the hyperplanes that meet the box.
fn exact_flat(arr: &Arr, s: &[usize]) -> CoreResult<Exact> {
    exact_flat_rows(arr.d, ExactRows::default().with(arr, s, &[]))
}

/// Does hyperplane `j` of the caller's layer (an index of `W`'s columns) enter the open box, exactly? Its exact row
/// when it does.
fn exact_enters(src: &Source<'_>, j: usize) -> CoreResult<Option<Vec<BigInt>>> {
    let row = exact_row(src, j);
    let inside = exact_flat_rows(src.w.nrows(), std::slice::from_ref(&row))? == Exact::Inside;
    Ok(inside.then_some(row))
}

/// The exact rows of a line's prefix, read once ([`point_loop`]), followed by those of the hyperplanes tested with it.
#[derive(Default)]
struct ExactRows {
    rows: Vec<Vec<BigInt>>,
    prefix: usize,
}

impl ExactRows {
    /// The rows of `prefix` (read on the first call; the same prefix every time) and then of `more`.
    fn with(&mut self, arr: &Arr, prefix: &[usize], more: &[usize]) -> &[Vec<BigInt>] {
        if self.rows.is_empty() && !prefix.is_empty() {
            self.rows.extend(prefix.iter().map(|&i| exact_row(&arr.src, arr.orig[i])));
        }
        self.prefix = prefix.len();
        self.rows.truncate(self.prefix);
        self.rows.extend(more.iter().map(|&i| exact_row(&arr.src, arr.orig[i])));
        &self.rows
    }
}

/// The point where the `d` hyperplanes of `rows` (a line's `d - 1` and one more, rows `(w, q)`) meet, as the vector
/// `c` with `c . x = det[rows; x]` for every row `x` (the cofactors of the last row, `d + 1` determinants of size
/// `d`): a further hyperplane passes through that point iff its row `x` has `c . x = 0` (each `d` of the `d + 1`
/// that include the line's meet in one point, so they share it iff the `(d + 1) x (d + 1)` matrix is singular).
fn exact_point(d: usize, rows: &[Vec<BigInt>]) -> CoreResult<Vec<BigInt>> {
    crate::limits::check()?;
    let mut m: Vec<BigInt> = Vec::with_capacity(d * d);
    Ok((0..=d)
        .map(|l| {
            m.clear();
            m.extend(rows.iter().flat_map(|r| r.iter().enumerate().filter(|&(c, _)| c != l).map(|(_, x)| x.clone())));
            let det = exact_det(d, &mut m);
            if (d + l) % 2 == 0 {
                det
            } else {
                -det
            }
        })
        .collect())
}

/// Does the hyperplane of the exact row `x` pass through the point of [`exact_point`]?
fn exact_through(point: &[BigInt], x: &[BigInt]) -> CoreResult<bool> {
    crate::limits::check()?;
    Ok(point.iter().zip(x).map(|(c, v)| c * v).sum::<BigInt>().is_zero())
}

/// Thread-local accumulator.
struct Acc {
    /// Per neuron increments, filled only for `d = 1` (where every point is a subset of its own; for `d >= 2` a
    /// top-level subtree's count goes to its first hyperplane).
    inc: Vec<u64>,
    pts: Vec<(f64, f32, u32)>,
    tmp: Vec<(f64, f32, u32)>,
    counts: Vec<u32>,
    prefix: Vec<usize>,
    /// The children of the prefix that meet the box, one buffer per depth ([`extend`]).
    children: Vec<Vec<usize>>,
    /// The classes of coinciding points of a line ([`point_loop`]): the position of each one's first point in sorted
    /// order and its largest hyperplane index.
    reps: Vec<(u32, u32)>,
}

/// `prefix` (size `d - 1`) spans a line that meets the box. The number of broken-circuit-free sets (module docs)
/// among the line's prefix and the points `prefix + {j}`, `j > last(prefix)`, inside the box: 0 if a later
/// hyperplane contains the whole line (the prefix is not one), otherwise 1 + the distinct points (of points that
/// coincide, `d + 1` or more hyperplanes through one point, only the one of the largest `j` counts). For `d = 1`
/// (an empty prefix) the points are the hyperplanes themselves: each counted point is credited to its own neuron in
/// `acc.inc`, and 0 is returned.
fn point_loop(arr: &Arr, acc: &mut Acc) -> CoreResult<u64> {
    let d = arr.d;
    let p = &acc.prefix;
    debug_assert_eq!(p.len(), d - 1);
    let start = p.last().map_or(0, |&l| l + 1);
    // c[l] = (-1)^l det(M without column l), M = rows of the prefix: direction of the line.
    // cm[m][l]: the same for M with column m replaced by q (Cramer numerators).
    let mut c = [0.0f64; MAX_DIM];
    let mut cm = [[0.0f64; MAX_DIM]; MAX_DIM];
    let mut buf = [0.0f64; MAX_DIM * MAX_DIM];
    let km = d - 1;
    let cof = |colval: &dyn Fn(usize, usize) -> f64, l: usize, buf: &mut [f64]| -> f64 {
        let mut idx = 0;
        for r in 0..km {
            for cc in 0..d {
                if cc != l {
                    buf[idx] = colval(r, cc);
                    idx += 1;
                }
            }
        }
        let dt = det(km, &mut buf[..km * km]);
        if l % 2 == 0 {
            dt
        } else {
            -dt
        }
    };
    for (l, cl) in c.iter_mut().enumerate().take(d) {
        *cl = cof(&|r, cc| arr.row(p[r])[cc], l, &mut buf);
    }
    for m in 0..d {
        for (l, cml) in cm[m].iter_mut().enumerate().take(d) {
            *cml = if l == m {
                c[m]
            } else {
                cof(&|r, cc| if cc == m { arr.q[p[r]] } else { arr.row(p[r])[cc] }, l, &mut buf)
            };
        }
    }
    let cnorm = c[..d].iter().map(|x| x * x).sum::<f64>().sqrt();
    // Every determinant is a dot product of the extended row (w_j, q_j) with a fixed vector:
    // g[0] gives D = det[M; w_j], g[1 + m] gives D_m (column m replaced by q).
    let mut g = [[0.0f64; MAX_DIM + 1]; MAX_DIM + 1];
    g[0][..d].copy_from_slice(&c[..d]);
    for m in 0..d {
        for l in 0..d {
            g[1 + m][l] = if l == m { 0.0 } else { cm[m][l] };
        }
        g[1 + m][d] = c[m];
    }
    let conc_scale = 4.0 * (d as f64).sqrt() * arr.delta;
    acc.pts.clear();
    let mut amb: Vec<(f64, f32, u32)> = Vec::new();
    let sc = Scan { g: &g, start, cnorm, conc_scale };
    match d {
        1 => scan(arr, 1, &sc, &mut acc.pts, &mut amb)?,
        2 => scan(arr, 2, &sc, &mut acc.pts, &mut amb)?,
        3 => scan(arr, 3, &sc, &mut acc.pts, &mut amb)?,
        4 => scan(arr, 4, &sc, &mut acc.pts, &mut amb)?,
        5 => scan(arr, 5, &sc, &mut acc.pts, &mut amb)?,
        _ => scan(arr, d, &sc, &mut acc.pts, &mut amb)?,
    }
    // Points inside the margin of the box's boundary (or of a dependent line): decided exactly. The prefix's exact
    // rows, shared by every such decision of this line and by its coincidence checks below, are read once.
    let mut ex = ExactRows::default();
    for (t, e, j) in amb {
        let j = j as usize;
        let exact = exact_flat_rows(d, ex.with(arr, p, &[j]))?;
        if exact == Exact::Dependent {
            // Hyperplane j contains the whole line: the prefix is not broken-circuit free, nor is any set over it.
            return Ok(0);
        }
        if exact == Exact::Inside {
            // (A position the floating point cannot place is compared, exactly, with every other point.)
            acc.pts.push(if t.is_finite() && e.is_finite() {
                (t, e, j as u32)
            } else {
                (0.0, f32::INFINITY, j as u32)
            });
        }
    }
    // Points that coincide exactly form classes; each class counts once (for `d = 1`, credited to its latest
    // hyperplane, the largest index). A class is represented by its first point in sorted order: a point is compared
    // exactly with the representatives whose intervals overlap its own, not with every point of the class (which
    // made `L` lines through one point cost `L^3` exact tests).
    let m = acc.pts.len();
    acc.reps.clear();
    if m > 0 {
        // Sorted by centre, an interval overlaps an earlier one iff its left end is below the running maximum of
        // the earlier right ends; each earlier representative whose interval it overlaps (all centred at most
        // `e + e_max` below its own) may be the same point, decided exactly. Two points that coincide have
        // intervals that both hold their common position, so they overlap.
        bucket_sort(&mut acc.pts, &mut acc.tmp, &mut acc.counts)?;
        let e_max = acc.pts.iter().map(|x| x.1).fold(0.0f32, f32::max) as f64;
        let mut hi = f64::NEG_INFINITY;
        // The exact point of each representative compared so far ([`exact_point`], by its index in `reps`).
        let mut points: Vec<(usize, Vec<BigInt>)> = Vec::new();
        for i in 0..m {
            let (t, e, j) = acc.pts[i];
            let e = e as f64;
            let mut class = None;
            // The point's exact row, read at its first exact comparison and kept for the others.
            let mut row: Option<Vec<BigInt>> = None;
            if t - e <= hi {
                for (r, &(k, _)) in acc.reps.iter().enumerate().rev() {
                    let (tk, ek, jk) = acc.pts[k as usize];
                    if tk < t - e - e_max {
                        break;
                    }
                    if tk + (ek as f64) < t - e {
                        continue;
                    }
                    let at = match points.iter().position(|(q, _)| *q == r) {
                        Some(at) => at,
                        None => {
                            points.push((r, exact_point(d, ex.with(arr, p, &[jk as usize]))?));
                            points.len() - 1
                        }
                    };
                    let row = row.get_or_insert_with(|| exact_row(&arr.src, arr.orig[j as usize]));
                    if exact_through(&points[at].1, row)? {
                        class = Some(r);
                        break;
                    }
                }
            }
            match class {
                Some(r) => acc.reps[r].1 = acc.reps[r].1.max(j),
                None => acc.reps.push((i as u32, j)),
            }
            hi = hi.max(t + e);
        }
    }
    if d == 1 {
        for &(_, j) in &acc.reps {
            acc.inc[arr.orig[j as usize]] += 1;
        }
        return Ok(0);
    }
    Ok(1 + acc.reps.len() as u64)
}

struct Scan<'a> {
    g: &'a [[f64; MAX_DIM + 1]; MAX_DIM + 1],
    start: usize,
    cnorm: f64,
    conc_scale: f64,
}

/// The hot loop of [`point_loop`]; inlined with a constant `d` for small dimensions.
#[inline(always)]
fn scan(
    arr: &Arr,
    d: usize,
    sc: &Scan<'_>,
    pts: &mut Vec<(f64, f32, u32)>,
    amb: &mut Vec<(f64, f32, u32)>,
) -> CoreResult<()> {
    let tol = arr.tol;
    let s = d + 1;
    let g = sc.g;
    let n = arr.q.len();
    for j in sc.start..n {
        if (j - sc.start) & 0xFFFF == 0xFFFF {
            crate::limits::check()?;
        }
        let r = &arr.ext[j * s..j * s + s];
        let mut dd = 0.0;
        for l in 0..d {
            dd += r[l] * g[0][l];
        }
        let ad = dd.abs();
        // 0 inside, 1 outside, 2 ambiguous (computed without early exit: fewer mispredictions)
        let mut n_out = 0u32;
        let mut n_amb = 0u32;
        let mut tnum = 0.0;
        for m in 0..d {
            let gm = &g[1 + m];
            let mut dm = 0.0;
            for l in 0..s {
                dm += r[l] * gm[l];
            }
            let a = dm.abs();
            n_out += (a >= ad + tol) as u32;
            n_amb += (a > ad - tol) as u32;
            tnum += dm * g[0][m];
        }
        let state = if n_out > 0 {
            1u8
        } else if n_amb > 0 {
            2
        } else {
            0
        };
        if state != 1 {
            // Position along the line (x = D_m / D projected on the unit direction) and its rounding half-width;
            // an ambiguous point keeps it for when the exact test finds it inside.
            let point = (tnum / (dd * sc.cnorm), (sc.conc_scale / ad) as f32 * 1.000_001, j as u32);
            if state == 0 {
                pts.push(point);
            } else {
                amb.push(point);
            }
        }
    }
    Ok(())
}

/// Sort points by position `t`: bucket sort over `[min t, max t]` (expected linear time for the
/// spread-out points of a line), then a stable sort inside each bucket (the points of one bucket
/// keep their order of the scan when their positions are equal); checks for Ctrl-C every 65536
/// points.
fn bucket_sort(
    pts: &mut Vec<(f64, f32, u32)>,
    tmp: &mut Vec<(f64, f32, u32)>,
    counts: &mut Vec<u32>,
) -> CoreResult<()> {
    let m = pts.len();
    let (mut lo, mut hi) = (f64::INFINITY, f64::NEG_INFINITY);
    for p in pts.iter() {
        lo = lo.min(p.0);
        hi = hi.max(p.0);
    }
    let scale = m as f64 / (hi - lo);
    if m < 32 || !(scale.is_finite() && scale > 0.0) {
        pts.sort_by(|a, b| a.0.total_cmp(&b.0));
        return Ok(());
    }
    let bucket = |t: f64| (((t - lo) * scale) as usize).min(m - 1);
    counts.clear();
    counts.resize(m + 1, 0);
    for p in pts.iter() {
        counts[bucket(p.0) + 1] += 1;
    }
    for b in 0..m {
        counts[b + 1] += counts[b];
    }
    tmp.clear();
    tmp.resize(m, (0.0, 0.0, 0));
    for (i, p) in pts.iter().enumerate() {
        if i & 0xFFFF == 0xFFFF {
            crate::limits::check()?;
        }
        let b = bucket(p.0);
        tmp[counts[b] as usize] = *p;
        counts[b] += 1;
    }
    // counts[b] is now the end of bucket b. A bucket can hold most of the points (positions
    // clustered far below the spread of the others): `sort_by` is O(k log k) on a bucket of k.
    let mut start = 0;
    for (b, &end) in counts[..m].iter().enumerate() {
        let end = end as usize;
        if end - start > 1 {
            tmp[start..end].sort_by(|a, b| a.0.total_cmp(&b.0));
        }
        if b & 0xFFFF == 0xFFFF {
            crate::limits::check()?;
        }
        start = end;
    }
    std::mem::swap(pts, tmp);
    Ok(())
}

/// Depth-first enumeration of the subsets that extend `acc.prefix` (which meets the box) by later hyperplanes:
/// the number of broken-circuit-free sets among the prefix and them, all of whose flats meet the box (module docs).
/// 0 when a later hyperplane contains the prefix's flat (the prefix is not broken-circuit free, so no set over it
/// is; found when that hyperplane is tested as a child: of the children's tests, only those of hyperplanes parallel
/// to the prefix's flat have dependent weight vectors, and only those containing it are also consistent).
fn extend(arr: &Arr, acc: &mut Acc) -> CoreResult<u64> {
    crate::limits::check()?;
    let d = arr.d;
    if acc.prefix.len() == d - 1 {
        return point_loop(arr, acc);
    }
    let start = acc.prefix.last().map_or(0, |&l| l + 1);
    // Every child is tested before any is extended, so that a prefix found not to be broken-circuit free is left
    // before its subtree is explored. (The children's buffer of each depth is kept in `acc` between calls.)
    let depth = acc.prefix.len();
    if acc.children.len() <= depth {
        acc.children.resize_with(depth + 1, Vec::new);
    }
    let mut inside = std::mem::take(&mut acc.children[depth]);
    inside.clear();
    for j in start..arr.q.len() {
        acc.prefix.push(j);
        let t = match flat_test(arr, &acc.prefix) {
            Test::Ambiguous => exact_flat(arr, &acc.prefix),
            Test::Inside => Ok(Exact::Inside),
            Test::Outside => Ok(Exact::Outside),
        };
        acc.prefix.pop();
        match t? {
            Exact::Inside => inside.push(j),
            Exact::Outside => {}
            Exact::Dependent => {
                acc.children[depth] = inside;
                return Ok(0);
            }
        }
    }
    let mut total = 1u64;
    for &j in &inside {
        acc.prefix.push(j);
        let r = extend(arr, acc);
        acc.prefix.pop();
        total += r?;
    }
    acc.children[depth] = inside;
    Ok(total)
}

/// `sum_{k=1}^{d} C(n, k)` as a float (saturating).
pub fn subset_work(n: u64, d: u64) -> f64 {
    let mut term = 1.0f64;
    let mut total = 0.0;
    for k in 0..d.min(n) {
        term = term * (n - k) as f64 / (k + 1) as f64;
        total += term;
    }
    total
}

/// Steps (about one multiply-add each) of one `m x m` determinant of [`flat_test`] or
/// [`point_loop`]: copying its `m^2` entries into the buffer and eliminating (`m^3 / 3`).
fn det_steps(m: usize) -> f64 {
    let m = m as f64;
    1.0 + m * m + m * m * m / 3.0
}

/// Steps that a worst-case enumeration of `n` hyperplanes in `d`-D can take: every subset meets
/// the box, so none is pruned and every flat test runs through all its facet normals.
///
/// A subset of `2 <= k <= d - 1` hyperplanes is one `flat_test`: `C(d, k - 1)` sets `T` of columns,
/// each `k` determinants of size `k - 1` and `k (d - k + 2)` products for both sides. A subset of
/// `d - 1` (a line) also sets up `point_loop`: `d^2` determinants of size `d - 1`. A subset of `d`
/// (a point on that line) is one pass of `scan` (`(d + 1)^2` products) plus its share of the sort
/// (`POINT_STEPS`). Reading and normalising a hyperplane costs `PLANE_STEPS`, measured at `d = 1`
/// where it is most of the work (one thread; its points sorted as one array). The unit is calibrated
/// by `python benchmarks/bench_window.py --calibrate` (time per step about flat across `d`).
pub fn work_estimate(n: u64, d: u64) -> f64 {
    /// Steps charged for one point of a line beside its products: pushing it, bucket-sorting it and
    /// comparing it with its neighbour (the whole cost at `d = 1`, where a point has no products).
    const POINT_STEPS: f64 = 8.0;
    /// Steps charged for reading, checking and normalising one hyperplane (and its point at `d = 1`).
    const PLANE_STEPS: f64 = 64.0;
    let du = d as usize;
    let df = d as f64;
    let binom_d = |k: usize| -> f64 {
        let mut c = 1.0f64;
        for i in 0..k {
            c = c * (du - i) as f64 / (i + 1) as f64;
        }
        c
    };
    let mut total = n as f64 * (PLANE_STEPS + df);
    let mut c_nk = 1.0f64; // C(n, k)
    for k in 1..=du.min(n as usize) {
        c_nk = c_nk * (n - (k as u64 - 1)) as f64 / k as f64;
        let mut per = 0.0;
        if k >= 2 && k < du {
            per += binom_d(k - 1) * (k as f64 * det_steps(k - 1) + (k * (du - k + 2)) as f64);
        }
        if k + 1 == du {
            per += df * df * det_steps(du - 1);
        }
        if k == du {
            per += (df + 1.0) * (df + 1.0) + POINT_STEPS;
        }
        total += c_nk * per;
    }
    total
}

fn validate(
    w: &ArrayView2<f64>,
    b: &ArrayView1<f64>,
    lo: &ArrayView1<f64>,
    hi: &ArrayView1<f64>,
    tol: f64,
) -> CoreResult<()> {
    let (d, l) = w.dim();
    let bad = |m: String| Err(CoreError::InvalidArgument(m));
    if d == 0 {
        return bad("W must have at least one row (input dimension d >= 1)".into());
    }
    if d > MAX_DIM {
        return bad(format!("input dimension d = {d} is above the supported maximum {MAX_DIM}"));
    }
    if b.len() != l {
        return bad(format!("b must have length {l} (one bias per column of W), got {}", b.len()));
    }
    if lo.len() != d || hi.len() != d {
        return bad(format!("lo and hi must have length d = {d}, got {} and {}", lo.len(), hi.len()));
    }
    if w.iter().chain(b.iter()).any(|x| !x.is_finite()) {
        return bad("W and b must be finite (found NaN or infinity)".into());
    }
    for k in 0..d {
        if !(lo[k].is_finite() && hi[k].is_finite()) {
            return bad(format!("the box bounds must be finite, got lo[{k}]={} hi[{k}]={}", lo[k], hi[k]));
        }
        // Both are finite here, so `>=` is exactly the negation of `lo < hi`.
        if lo[k] >= hi[k] {
            return bad(format!(
                "the box must have lo < hi in every coordinate, got lo[{k}]={} hi[{k}]={}",
                lo[k], hi[k]
            ));
        }
    }
    if !(tol > 0.0 && tol <= 1e-2) {
        return bad(format!("tol must be in (0, 0.01], got {tol}"));
    }
    Ok(())
}

/// Exact number of regions of the hyperplanes `W[:, i] . x + b[i] = 0` inside
/// the open box `lo < x < hi`, with the per-neuron increments.
///
/// Any arrangement is counted: coincident hyperplanes, hyperplanes through a
/// common flat or point, parallel ones, inside the box or not.
///
/// Errors: `InvalidArgument` for malformed input or a zero column of `W`; `TooLarge` when the
/// worst-case steps of work ([`work_estimate`]) exceed `opts.max_work`.
///
/// ```
/// use _core::window::{regions_in_box, WindowOptions};
/// use ndarray::{array, Array1, Array2};
/// // Axis-parallel hyperplanes inside the box (-1, 1)^3: 2 planes x0 = c, 3 planes x1 = c, 1 plane x2 = c cut it
/// // into (2 + 1)(3 + 1)(1 + 1) = 24 boxes; a plane x0 = 5 misses the box and adds nothing.
/// let cuts: [(usize, f64); 7] = [(0, -0.5), (0, 0.5), (1, -0.6), (1, 0.0), (1, 0.6), (2, 0.1), (0, 5.0)];
/// let mut w = Array2::zeros((3, cuts.len()));
/// let mut b = Array1::zeros(cuts.len());
/// for (i, &(axis, c)) in cuts.iter().enumerate() {
///     w[[axis, i]] = 1.0;
///     b[i] = -c;
/// }
/// let (lo, hi) = (array![-1.0, -1.0, -1.0], array![1.0, 1.0, 1.0]);
/// let count = regions_in_box(w.view(), b.view(), lo.view(), hi.view(), &WindowOptions::default())?;
/// assert_eq!(count.regions, 3 * 4 * 2);
/// assert_eq!(1 + count.increments.iter().sum::<u64>(), count.regions);
/// assert_eq!(count.increments[6], 0);
/// # Ok::<(), _core::CoreError>(())
/// ```
pub fn regions_in_box(
    w: ArrayView2<f64>,
    b: ArrayView1<f64>,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    opts: &WindowOptions,
) -> CoreResult<WindowCount> {
    validate(&w, &b, &lo, &hi, opts.tol)?;
    let (d, l) = w.dim();
    // The hyperplanes that meet the box (at most l): d weights, d + 1 extended entries, an offset
    // and an index each; per thread, the increments (8 l), the points of a line (sorted through
    // a second buffer and bucket counts: 36 bytes a hyperplane), their classes (8 bytes) and the
    // children of each depth 1..d-2 of the enumeration (8 bytes each).
    let threads = rayon::current_num_threads() as f64;
    let per_thread = 8.0 + 36.0 + 8.0 + 8.0 * d.saturating_sub(2) as f64;
    crate::limits::check_bytes(
        &format!("counting the regions of {l} hyperplanes in {d}-D"),
        (l as f64) * (8.0 * (2 * d + 2) as f64 + 8.0 + 8.0) + threads * (l as f64) * per_thread,
    )?;
    let eps = f64::EPSILON;
    let delta = 8.0 * (d * d) as f64 * eps * (1.0 + d as f64).powf(d as f64 / 2.0);
    let tol = opts.tol.max(16.0 * delta);
    // Map the box to [-1, 1]^d: x = c + h * u; w . x + b = (w * h) . u + (w . c + b).
    let cen: Vec<f64> = (0..d).map(|k| 0.5 * (lo[k] + hi[k])).collect();
    let half: Vec<f64> = (0..d).map(|k| 0.5 * (hi[k] - lo[k])).collect();
    let src = Source { w, b, lo, hi };
    let mut arr = Arr { src, d, w: Vec::new(), q: Vec::new(), ext: Vec::new(), orig: Vec::new(), tol, delta };
    let mut inc = vec![0u64; l];
    let mut row = vec![0.0f64; d];
    if let Some(i) = (0..l).find(|&i| w.column(i).iter().all(|&x| x == 0.0)) {
        return Err(CoreError::InvalidArgument(format!(
            "column {i} of W is zero: neuron {i} is constant and has no hyperplane; drop it before counting"
        )));
    }
    // In reverse order: the enumeration's first hyperplane of a subset is then its latest neuron, which the
    // subset's region is credited to (module docs).
    // (a check for Ctrl-C every ~CHECK_WORK steps: 2 x 10^7 hyperplanes in 1-D were a second unchecked, an audit)
    let every = crate::limits::items_per(crate::limits::CHECK_WORK, 8 * d + 32);
    for i in (0..l).rev() {
        if i % every == 0 {
            crate::limits::check()?;
        }
        let col = w.column(i);
        // Scale by the largest entry first so that tiny or huge weights do not under/overflow.
        let big = (0..d).map(|k| (col[k] * half[k]).abs()).fold(0.0f64, f64::max);
        let off = (0..d).map(|k| col[k] / big * cen[k]).sum::<f64>() + b[i] / big;
        for k in 0..d {
            row[k] = col[k] * half[k] / big;
        }
        let mut nrm = row.iter().map(|x| x * x).sum::<f64>().sqrt();
        let mut off = off;
        // The offset's rounding (the centre's, half an ulp a coordinate, and the sum's), in units of the row's largest
        // weight. Far above the margin when the box is narrow for its coordinates: on the box of x in [1, 1 + 2^-40]
        // the offset of x + 1e-12 y = 1 + 2^-41 cancels to 2^-41 / 2^-41 from terms of 2^41, and its rounding was a
        // fraction of the box: an intersection 6e-5 outside was counted inside, 1 - 2^-53 < x < 1 had regions
        // missing (pass 50). Such a row is read exactly too, unless it misses the box whatever the rounding.
        let spread = (0..d).map(|k| (col[k] / big * cen[k]).abs()).sum::<f64>() + (b[i] / big).abs();
        let err = (d + 4) as f64 * eps * spread;
        let loose = d as f64 * err > delta;
        if loose && nrm > 0.0 && nrm.is_finite() && off.is_finite() && big >= TINY_WEIGHT {
            let l1 = row.iter().map(|x| x.abs()).sum::<f64>() / nrm;
            if (off / nrm).abs() >= l1 + tol + 2.0 * err / nrm {
                continue;
            }
        }
        // A largest scaled weight below TINY_WEIGHT may have been rounded in the subnormal range, where a double
        // keeps fewer bits than the margin assumes (5e-324 * 1.75 is 1e-323): three lines through one point were
        // counted as three points, a fuzzer found (pass 49). Such a row is read exactly too.
        let mut entered = false; // decided exactly already (below)
        if loose || !(nrm > 0.0 && nrm.is_finite() && off.is_finite() && big >= TINY_WEIGHT) {
            // The scaled weights under- or overflowed (a box of width 1e-320, weights of 1e300 on a box of 1e10,
            // weights of 1e-320): the hyperplane is read from its exact row instead, which is skipped if it misses
            // the box, and otherwise scaled by a power of two to its largest weight before rounding to doubles.
            let Some(exact) = exact_enters(&arr.src, i)? else {
                continue;
            };
            entered = true;
            let bits = exact[..d].iter().map(|x| x.bits()).max().unwrap_or(0);
            let shift = bits.saturating_sub(60) as usize;
            let f = |x: &BigInt| (x >> shift).to_f64().unwrap_or(f64::NAN);
            for k in 0..d {
                row[k] = f(&exact[k]);
            }
            off = -f(&exact[d]);
            nrm = row.iter().map(|x| x * x).sum::<f64>().sqrt();
            if !(nrm > 0.0 && nrm.is_finite() && off.is_finite()) {
                return Err(CoreError::InvalidArgument(format!(
                    "column {i} of W cannot be represented in doubles once mapped onto the box"
                )));
            }
        }
        let q = -off / nrm;
        let l1 = row.iter().map(|x| x.abs()).sum::<f64>() / nrm;
        // k = 1: the hyperplane meets the open cube iff |q| < |w|_1.
        if !entered {
            if q.abs() >= l1 + tol {
                continue;
            }
            // Within the margin of a corner: whether it enters the box is decided exactly.
            if q.abs() > l1 - tol && exact_enters(&arr.src, i)?.is_none() {
                continue;
            }
        }
        arr.w.extend(row.iter().map(|x| x / nrm));
        arr.ext.extend(row.iter().map(|x| x / nrm));
        arr.ext.push(q);
        arr.q.push(q);
        arr.orig.push(i);
    }
    let n = arr.q.len();
    let work = work_estimate(n as u64, d as u64);
    if work > opts.max_work as f64 {
        let subsets = subset_work(n as u64, d as u64);
        return Err(CoreError::TooLarge(format!(
            "the exact count inside the box would take up to {} steps of work ({} hyperplane subsets, sum over \
             1 <= k <= d = {d} of C({n}, k), {n} of {l} hyperplanes meet the box; a subset costs more steps the \
             larger d is: {per:.0} steps on average here), above max_work={}; raise max_work if you can wait, or \
             estimate with count_regions sampling",
            crate::limits::amount(work),
            crate::limits::amount(subsets),
            opts.max_work,
            per = work / subsets
        )));
    }
    let new_acc = || Acc {
        inc: vec![0u64; l],
        pts: Vec::new(),
        tmp: Vec::new(),
        counts: Vec::new(),
        prefix: Vec::with_capacity(d),
        children: Vec::new(),
        reps: Vec::new(),
    };
    let rest = if n == 0 {
        vec![0u64; l]
    } else if d == 1 {
        // The points are the hyperplanes themselves; of hyperplanes that coincide, one counts.
        let mut acc = new_acc();
        point_loop(&arr, &mut acc)?;
        acc.inc
    } else {
        let cancel = crate::limits::Cancel::current();
        (0..n)
            .into_par_iter()
            .try_fold(new_acc, |mut acc, i| {
                acc.prefix.clear();
                acc.prefix.push(i);
                // Install the call's token on this worker: extend() checks it. Every set the subtree counts has
                // hyperplane i as its latest neuron.
                acc.inc[arr.orig[i]] += cancel.run(|| extend(&arr, &mut acc))?;
                Ok::<Acc, CoreError>(acc)
            })
            .map(|r| r.map(|a| a.inc))
            .try_reduce(
                || vec![0u64; l],
                |mut a, b| {
                    for (x, y) in a.iter_mut().zip(b) {
                        *x += y;
                    }
                    Ok(a)
                },
            )?
    };
    for (x, y) in inc.iter_mut().zip(rest) {
        *x += y;
    }
    let regions = 1 + inc.iter().sum::<u64>();
    Ok(WindowCount { regions, increments: inc })
}

// ---------------------------------------------------------------------------------------------------------------
// The linear regions of a whole network: every hidden layer cuts the regions of the layers before it.

/// Default radius (in the box mapped onto `[-1, 1]^d`) that a piece's largest inscribed ball must exceed to count
/// as a region of [`network_regions_in_box`].
pub const DEFAULT_NETWORK_TOL: f64 = 1e-6;
/// Default limit on the regions of [`network_regions_in_box`].
pub const DEFAULT_MAX_REGIONS: u64 = 1_000_000;
/// Pieces split breadth first before the depth-first split in parallel (fixed, so that the order of the listed
/// regions does not depend on the threads).
const FRONTIER: usize = 256;

/// At most this many halves waiting on a thread's depth-first stack keep their solved program; a half pushed while as
/// many keep theirs waits without it (solved again from its rows when popped). The stack's programs are what grows
/// fastest with the units (a program of `2 d + g` rows for each of the `T` positions `g` a waiting half can have:
/// quadratic in `T`), while a stack is rarely deep: at most 3-20 waiting halves in counts of 12-400 units in 2 to 8
/// dimensions (pass 61), so that few programs are ever solved again; dropping every waiting half's program instead
/// made 3-D counts 30-50% slower. `rust/tests/bytes_measured.rs`' `a_deep_stack_holds_what_it_counts` builds a stack
/// of about 160 (a fan of lines through one point), where keeping every program holds 1.35 times the estimate.
const KEEP_WAITING: usize = 16;

/// Options of [`network_regions_in_box`].
#[derive(Debug, Clone, Copy)]
pub struct NetworkOptions {
    /// A piece counts as a region when its largest inscribed ball (box mapped onto `[-1, 1]^d`) has a radius above
    /// this; thinner pieces are not split off. In `[1e-9, 1e-2]`.
    pub tol: f64,
    /// Stop with `TooLarge` once more regions than this are found.
    pub max_regions: u64,
    /// The activation's slope for negative inputs (0 for ReLU, e.g. 0.01 for leaky ReLU).
    pub slope: f64,
    /// Also list the regions: a point inside each, the radius of a ball around it inside the region, and the gates.
    pub list: bool,
}

impl Default for NetworkOptions {
    fn default() -> Self {
        NetworkOptions { tol: DEFAULT_NETWORK_TOL, max_regions: DEFAULT_MAX_REGIONS, slope: 0.0, list: false }
    }
}

/// One piece of the box on which the gates decided so far are constant, in box coordinates `u` in `[-1, 1]^d`.
#[derive(Clone)]
struct Piece {
    /// Half-spaces `a . u <= c` (`|a| = 1`), rows of stride `d + 1`: one for each neuron that cut the piece, or that
    /// left only a sliver thinner than `tol` beside it where its program was solved (the row its program got): at
    /// most one a neuron decided so far.
    cons: Vec<f64>,
    /// Centre and radius of the piece's largest inscribed ball (Chebyshev centre), and the solved program that
    /// found it: the box's `2 d` rows and those of `cons`. `None` for a piece of the breadth-first start waiting for
    /// its round or for the depth-first split, and for a half waiting on a depth-first stack beyond the
    /// [`KEEP_WAITING`] that keep theirs (a piece's program is most of what it holds, 5-35 KiB in 2 to 12
    /// dimensions): [`advance`] solves it again from `cons` (the same rows, so the same ball; maybe another centre
    /// where the ball is not unique).
    center: Vec<f64>,
    radius: f64,
    lp: Option<microlp::Solution>,
    /// The next neuron to decide: `neuron` of hidden layer `layer`.
    layer: usize,
    neuron: usize,
    /// The pre-activations of `layer` on the piece, affine in `u`: rows `(a, c)` of stride `d + 1`.
    pre: Vec<f64>,
    /// On a box narrow for its coordinates ([`Net::narrow`]), the low parts of `pre`: each entry is `pre + pre_lo`
    /// (a double-double), since a constant cancels to about the box's width from terms as large as its coordinates
    /// (and a weight, once the constant is accurate, must be as accurate); empty otherwise.
    pre_lo: Vec<f64>,
    /// The gates of `layer` decided so far (1 active, the slope inactive).
    gate: Vec<f64>,
    /// Every gate decided so far, of every layer (on = true); kept only when the regions are listed.
    bits: Vec<bool>,
}

/// The variables of a piece's inscribed-ball program: the centre `u` and the radius `r`.
#[doc(hidden)]
pub struct BallVars {
    u: Vec<microlp::Variable>,
    r: microlp::Variable,
}

/// A half of a piece that holds a ball above `tol`: the ball's centre and radius, and the solved program with the
/// half's constraint (what the half's own halves start from).
type Half = (Vec<f64>, f64, microlp::Solution);

/// The program of the largest ball inside `{u in [-1, 1]^d : rows of cons}` (rows `a . u <= c`, `|a| = 1`):
/// maximise `r` subject to `a . u + r <= c` for every row and every face of the box. Its variables are created in
/// the same order every time, so that they are those of [`BallVars`]. (Public for `rust/tests/bytes_measured.rs`,
/// which measures what its solution holds against [`ball_program_bytes`].)
#[doc(hidden)]
pub fn ball_program(d: usize, cons: &[f64]) -> (microlp::Problem, BallVars) {
    use microlp::{ComparisonOp, OptimizationDirection, Problem};
    let mut p = Problem::new(OptimizationDirection::Maximize);
    let u: Vec<_> = (0..d).map(|_| p.add_var(0.0, (-1.0, 1.0))).collect();
    let r = p.add_var(1.0, (0.0, 1.0));
    for &uk in &u {
        p.add_constraint([(uk, 1.0), (r, 1.0)], ComparisonOp::Le, 1.0);
        p.add_constraint([(uk, -1.0), (r, 1.0)], ComparisonOp::Le, 1.0);
    }
    let vars = BallVars { u, r };
    for row in cons.chunks_exact(d + 1) {
        p.add_constraint(ball_row(&vars, row), ComparisonOp::Le, row[d]);
    }
    (p, vars)
}

/// The bytes `count_network`'s memory check counts a piece's solved [`ball_program`] of `rows` rows in `d`
/// dimensions at: `12 (d + 2) + 60` floats a row and 4 KiB, above what a `microlp::Solution` measurably holds (7-44
/// times its rows' `d + 2` entries in 2 to 12 dimensions; `rust/tests/bytes_measured.rs`). Counted at 8 times the
/// entries until pass 60, 0.69-0.84 of a count's peak in 5 and 6 dimensions.
pub fn ball_program_bytes(d: usize, rows: usize) -> f64 {
    8.0 * (rows as f64 * (12.0 * (d as f64 + 2.0) + 60.0) + 512.0)
}

/// The row `a . u + r` of a half-space `a . u <= c` (`row = (a, c)`).
fn ball_row(vars: &BallVars, row: &[f64]) -> Vec<(microlp::Variable, f64)> {
    let mut expr: Vec<(microlp::Variable, f64)> =
        vars.u.iter().zip(row).filter(|(_, &a)| a != 0.0).map(|(&v, &a)| (v, a)).collect();
    expr.push((vars.r, 1.0));
    expr
}

/// What a solve of the ball program gave: the half (if its ball is above `tol`), or `Err(())` for a solve that
/// failed and should be tried again from scratch.
fn read_ball(
    out: Result<microlp::SolveOutcome, microlp::Error>,
    vars: &BallVars,
    tol: f64,
) -> Result<Option<Half>, ()> {
    match out {
        Err(microlp::Error::Infeasible) => Ok(None),
        Err(_) => Err(()),
        Ok(out) => match out.into_solution() {
            Ok(s) => {
                let rad = s.var_value(vars.r);
                Ok((rad > tol).then(|| (vars.u.iter().map(|&v| s.var_value(v)).collect(), rad, s)))
            }
            Err(_) => Err(()),
        },
    }
}

/// The largest ball inside a piece's half `extra` (`a . u <= c`, `|a| = 1`), or `None` when its radius is at most
/// `tol` (or the half is empty). The piece's solved program `lp` gets the half's row and is solved on from its
/// basis rather than from scratch; if that fails numerically, the program of `cons` and `extra` is
/// solved from scratch.
fn inscribed_ball(
    d: usize,
    lp: &microlp::Solution,
    vars: &BallVars,
    cons: &[f64],
    extra: &[f64],
    tol: f64,
) -> CoreResult<Option<Half>> {
    use microlp::ComparisonOp;
    if let Ok(half) = read_ball(lp.clone().add_constraint(ball_row(vars, extra), ComparisonOp::Le, extra[d]), vars, tol)
    {
        return Ok(half);
    }
    let (mut p, fresh) = ball_program(d, cons);
    p.add_constraint(ball_row(&fresh, extra), ComparisonOp::Le, extra[d]);
    read_ball(p.solve(), &fresh, tol).map_err(|()| {
        CoreError::Numerical("the linear program of a region's inscribed ball failed; a larger tol may avoid it".into())
    })
}

/// The solved program of a piece's half-spaces `cons` from scratch (a piece whose program was dropped while it
/// waited: [`Piece::lp`]).
fn piece_program(d: usize, cons: &[f64]) -> CoreResult<microlp::Solution> {
    let (p, vars) = ball_program(d, cons);
    match read_ball(p.solve(), &vars, 0.0) {
        Ok(Some((_, _, lp))) => Ok(lp),
        _ => Err(CoreError::Numerical(
            "the linear program of a region's inscribed ball failed; a larger tol may avoid it".into(),
        )),
    }
}

/// The network's layers in box coordinates.
struct Net {
    d: usize,
    vars: BallVars,
    /// `(W_l, b_l)` as given, for layers `1..` (the first is folded into the root piece).
    layers: Vec<(Vec<f64>, Vec<f64>, usize, usize)>,
    tol: f64,
    slope: f64,
    list: bool,
    /// The output layer `(w_out, b_out)`, when the regions' affine maps are listed.
    readout: Option<(Vec<f64>, f64)>,
    /// Some first-layer unit's constant rounds by more than [`NEGLIGIBLE`] (the box is narrow for its coordinates):
    /// the first layer is then read exactly and the later layers' rows are carried as double-doubles
    /// ([`Piece::pre_lo`]).
    narrow: bool,
}

/// `a * b` as `(p, e)` with `p + e = a * b` exactly (`p` the rounded product; one fused multiply-add, correctly
/// rounded on every target).
#[inline(always)]
fn two_prod(a: f64, b: f64) -> (f64, f64) {
    let p = a * b;
    (p, a.mul_add(b, -p))
}

/// `a + b` as `(s, e)` with `s + e = a + b` exactly (Knuth's two-sum: no branch, any order of magnitudes).
#[inline(always)]
fn two_sum(a: f64, b: f64) -> (f64, f64) {
    let s = a + b;
    let bb = s - a;
    (s, (a - (s - bb)) + (b - bb))
}

/// `2^e` exactly, `e` in `[-1022, 1023]` (below, the bits make 0).
pub(crate) fn pow2(e: i32) -> f64 {
    f64::from_bits(((e + 1023) as u64) << 52)
}

/// `x * 2^e` for any `e`, in steps of at most `2^1000` a double holds (exact up, infinite where the product is beyond
/// float64; down, rounded where it leaves the normal doubles).
pub(crate) fn times_pow2(mut x: f64, mut e: i32) -> f64 {
    while e != 0 {
        let step = e.clamp(-1000, 1000);
        x *= pow2(step);
        e -= step;
    }
    x
}

/// Adds `sum_j (w_j s_w) (g_j s_g) (row_j s_r)` to `out` (rows of `pre` of stride `out.len()`; `[s_w, s_g, s_r]` =
/// `s`): the output's map in box coordinates without its bias, times `s_w s_g s_r`.
fn logit_row(out: &mut [f64], w: &[f64], gate: &[f64], pre: &[f64], s: [f64; 3]) {
    let st = out.len();
    for (j, (&w, &g)) in w.iter().zip(gate).enumerate() {
        let wg = (w * s[0]) * (g * s[1]);
        if wg != 0.0 {
            for (x, y) in out.iter_mut().zip(&pre[j * st..(j + 1) * st]) {
                *x += wg * (y * s[2]);
            }
        }
    }
}

/// `w . o` where the plain sum overflows only on the way (`inf - inf`): then again with `w` and `o` scaled by
/// powers of two to at most 1, the sum scaled back (infinite if the dot itself is beyond float64).
pub(crate) fn scaled_dot(w: &[f64], o: &[f64]) -> f64 {
    let plain: f64 = w.iter().zip(o).map(|(a, b)| a * b).sum();
    if plain.is_finite() || !w.iter().chain(o).all(|v| v.is_finite()) {
        return plain;
    }
    // The exponents at most 1022: 2^-1023 is no normal double ([`pow2`] makes 0 of it: every sum was 0).
    let top = |x: &[f64]| x.iter().fold(0.0f64, |m, v| m.max(v.abs())).log2().ceil().clamp(0.0, 1022.0) as i32;
    let (ew, eo) = (top(w), top(o));
    let (sw, so) = (pow2(-ew), pow2(-eo));
    let sum: f64 = w.iter().zip(o).map(|(a, b)| (a * sw) * (b * so)).sum();
    sum * pow2(ew) * pow2(eo)
}

/// The next layer's rows `sum_j W[j, i] gate[j] row_j + (0, b[i])` in plain floating point (rows of stride `d + 1`).
fn plain_rows(layer: &(Vec<f64>, Vec<f64>, usize, usize), piece: &Piece, d: usize) -> Vec<f64> {
    let (w, b, n_in, n_out) = (&layer.0, &layer.1, layer.2, layer.3);
    let st = d + 1;
    let mut pre = vec![0.0f64; n_out * st];
    for i in 0..n_out {
        let row = &mut pre[i * st..(i + 1) * st];
        for j in 0..n_in {
            let g = w[j * n_out + i] * piece.gate[j];
            if g != 0.0 {
                for (x, y) in row.iter_mut().zip(&piece.pre[j * st..(j + 1) * st]) {
                    *x += g * y;
                }
            }
        }
        row[d] += b[i];
    }
    pre
}

/// The next layer's rows `sum_j W[j, i] gate[j] (row_j + lo_j) + (0, b[i])` as double-doubles `(hi, lo)` (rows of
/// stride `d + 1`), with an error of a few `2^-104` of the terms' sizes (where the plain sum's is a few `2^-53`: on a
/// box `N` roundings of its coordinates wide, a constant's rounding is a part in about `N` of the box).
fn next_rows(layer: &(Vec<f64>, Vec<f64>, usize, usize), piece: &Piece, d: usize) -> (Vec<f64>, Vec<f64>) {
    dd_rows(&layer.0, &layer.1, layer.3, &piece.gate, &piece.pre, &piece.pre_lo, d + 1)
}

/// The rows `sum_j W[j, i] gate[j] (row_j + lo_j) + (0, .., 0, b[i])` of a layer `W` (row-major, `(gate.len(),
/// n_out)`) read from the rows `row_j + lo_j` of stride `st` (`pre`, `pre_lo`: double-doubles, the constant last) as
/// double-doubles `(hi, lo)` of stride `st`, with an error of a few `2^-104` of the terms' sizes: [`next_rows`], and
/// `pictures::region_polygons`' layers in a window narrow for its coordinates.
///
/// Each output is summed over `j` in order, term by term as a scalar loop would (two-products by fused
/// multiply-adds, Knuth's two-sum, the errors added up in one double): the same bits on any CPU. The outputs are
/// only computed side by side (the loop over `j` outermost, the units `i` innermost, in AVX2 vectors where the CPU has
/// them): 15 times faster on a layer of 256 units than one output at a time with a library call per product (pass
/// 54, `timing::time_dd_rows_256`, both in one run).
pub(crate) fn dd_rows(
    w: &[f64],
    b: &[f64],
    n_out: usize,
    gate: &[f64],
    pre: &[f64],
    pre_lo: &[f64],
    st: usize,
) -> (Vec<f64>, Vec<f64>) {
    #[cfg(target_arch = "x86_64")]
    if std::arch::is_x86_feature_detected!("avx2") && std::arch::is_x86_feature_detected!("fma") {
        // SAFETY: the CPU supports the features the function is compiled for.
        return unsafe { dd_rows_avx2(w, b, n_out, gate, pre, pre_lo, st) };
    }
    dd_rows_impl(w, b, n_out, gate, pre, pre_lo, st)
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,fma")]
unsafe fn dd_rows_avx2(
    w: &[f64],
    b: &[f64],
    n_out: usize,
    gate: &[f64],
    pre: &[f64],
    pre_lo: &[f64],
    st: usize,
) -> (Vec<f64>, Vec<f64>) {
    dd_rows_impl(w, b, n_out, gate, pre, pre_lo, st)
}

/// Adds the terms `(g_i + g_lo_i) (c + c_lo)` to the running sums `s_i + e_i` as [`dd_rows`] does: `SKIP`, a term
/// whose `g_i` and `g_lo_i` are 0 is skipped (not added as 0: `-0 + 0` is `+0`, `0 * inf` NaN); `UNIT`, `g_lo` is 0
/// (a gate of 1) and its products are left out.
#[inline(always)]
fn add_terms<const SKIP: bool, const UNIT: bool>(
    s: &mut [f64],
    e: &mut [f64],
    g: &[f64],
    g_lo: &[f64],
    c: f64,
    c_lo: f64,
) {
    for (((sv, ev), &g), &g_lo) in s.iter_mut().zip(e.iter_mut()).zip(g).zip(g_lo) {
        let (p, p_lo) = two_prod(g, c);
        let (t, t_lo) = two_sum(*sv, p);
        let en = if UNIT { *ev + (t_lo + p_lo + g * c_lo) } else { *ev + (t_lo + p_lo + g * c_lo + g_lo * c) };
        let skip = SKIP && g == 0.0 && g_lo == 0.0;
        *sv = if skip { *sv } else { t };
        *ev = if skip { *ev } else { en };
    }
}

/// [`dd_rows`]' loops (inlined into each target's version).
#[inline(always)]
fn dd_rows_impl(
    w: &[f64],
    b: &[f64],
    n_out: usize,
    gate: &[f64],
    pre: &[f64],
    pre_lo: &[f64],
    st: usize,
) -> (Vec<f64>, Vec<f64>) {
    // The running sums `s + e` of output `(i, k)` at `k * n_out + i`: the units side by side.
    let mut s = vec![0.0f64; st * n_out];
    let mut e = vec![0.0f64; st * n_out];
    s[(st - 1) * n_out..].copy_from_slice(&b[..n_out]);
    // `W[j, i] gate[j]` as a double-double `g + g_lo`, for one `j` at a time.
    let (mut g, mut g_lo) = (vec![0.0f64; n_out], vec![0.0f64; n_out]);
    for (j, &gj) in gate.iter().enumerate() {
        if gj == 0.0 {
            // (every product `W[j, i] * 0` is 0, its error too: each term is skipped, as below)
            continue;
        }
        let wj = &w[j * n_out..(j + 1) * n_out];
        for ((x, y), &wi) in g.iter_mut().zip(g_lo.iter_mut()).zip(wj) {
            (*x, *y) = two_prod(wi, gj);
        }
        if gj.is_finite() && g.iter().zip(wj).any(|(x, wi)| !x.is_finite() && wi.is_finite()) {
            // A weight times its gate overflows (a leaky slope and a weight both large) where the term need not:
            // this `j` term by term, 0 for a row of 0, else the product's 2^1024 moved onto the row (exact: both
            // factors are above 1 in size, and the row's parts are doubled exactly or overflow with the term).
            for (i, &wi) in wj.iter().enumerate() {
                for k in 0..st {
                    let (mut gi, mut gi_lo) = (g[i], g_lo[i]);
                    if gi == 0.0 && gi_lo == 0.0 {
                        continue;
                    }
                    let (mut c, mut c_lo) = (pre[j * st + k], pre_lo[j * st + k]);
                    if !gi.is_finite() && wi.is_finite() {
                        if c == 0.0 && c_lo == 0.0 {
                            continue;
                        }
                        (gi, gi_lo) = two_prod(wi * pow2(-512), gj * pow2(-512));
                        (c, c_lo) = (times_pow2(c, 1024), times_pow2(c_lo, 1024));
                    }
                    let (p, p_lo) = two_prod(gi, c);
                    let o = k * n_out + i;
                    let (t, t_lo) = two_sum(s[o], p);
                    s[o] = t;
                    e[o] += t_lo + p_lo + gi * c_lo + gi_lo * c;
                }
            }
            continue;
        }
        // The common cases in fewer operations, the same bits: no term of 0 to skip, and a gate of 1 (`g_lo` 0: its
        // term `g_lo * c` adds a zero to the error, which changes no sum, as the error is never -0).
        let skips = g.iter().zip(&g_lo).any(|(&x, &y)| x == 0.0 && y == 0.0);
        for k in 0..st {
            let (c, c_lo) = (pre[j * st + k], pre_lo[j * st + k]);
            let sk = &mut s[k * n_out..(k + 1) * n_out];
            let ek = &mut e[k * n_out..(k + 1) * n_out];
            match (skips, gj == 1.0) {
                (true, _) => add_terms::<true, false>(sk, ek, &g, &g_lo, c, c_lo),
                (false, true) => add_terms::<false, true>(sk, ek, &g, &g_lo, c, c_lo),
                (false, false) => add_terms::<false, false>(sk, ek, &g, &g_lo, c, c_lo),
            }
        }
    }
    let mut hi = vec![0.0f64; n_out * st];
    let mut lo = vec![0.0f64; n_out * st];
    for i in 0..n_out {
        for k in 0..st {
            (hi[i * st + k], lo[i * st + k]) = two_sum(s[k * n_out + i], e[k * n_out + i]);
        }
    }
    (hi, lo)
}

/// What pieces turned into: regions finished per layer, and (when listed) the regions of the whole network.
struct Tally {
    per_layer: Vec<u64>,
    points: Vec<f64>,
    radii: Vec<f64>,
    patterns: Vec<bool>,
    /// The output's affine map on each listed region, in box coordinates `u`: rows `(a, c)` of stride `d + 1`,
    /// times `2^-e` for `e` in `affine_exp` (0 but where its terms overflow; then without `b_out`).
    affine: Vec<f64>,
    affine_exp: Vec<i32>,
}

impl Tally {
    fn new(layers: usize) -> Self {
        Tally {
            per_layer: vec![0; layers],
            points: Vec::new(),
            radii: Vec::new(),
            patterns: Vec::new(),
            affine: Vec::new(),
            affine_exp: Vec::new(),
        }
    }

    /// Its lists at their lengths (a finished piece's, held until the merge; the growth's slack freed).
    fn shrink(&mut self) {
        self.points.shrink_to_fit();
        self.radii.shrink_to_fit();
        self.patterns.shrink_to_fit();
        self.affine.shrink_to_fit();
        self.affine_exp.shrink_to_fit();
    }

    /// `parts` appended in order, each freed once appended. A merged list grows by doubling, but never beyond its
    /// final length: with the parts shrunk, the merged lists and the parts not yet appended hold at most twice the
    /// list at once (1.5 times when the parts are alike), and the merged lists end at their lengths.
    fn merge(&mut self, parts: Vec<Tally>) {
        fn grow<T>(v: &mut Vec<T>, part: Vec<T>, total: usize) {
            if v.capacity() - v.len() < part.len() {
                let want = (2 * v.capacity()).max(v.len() + part.len()).min(total);
                v.reserve_exact(want - v.len());
            }
            v.extend(part);
        }
        let total = |f: fn(&Tally) -> usize| f(self) + parts.iter().map(f).sum::<usize>();
        let points = total(|t| t.points.len());
        let radii = total(|t| t.radii.len());
        let patterns = total(|t| t.patterns.len());
        let affine = total(|t| t.affine.len());
        let affine_exp = total(|t| t.affine_exp.len());
        for other in parts {
            for (x, y) in self.per_layer.iter_mut().zip(other.per_layer) {
                *x += y;
            }
            grow(&mut self.points, other.points, points);
            grow(&mut self.radii, other.radii, radii);
            grow(&mut self.patterns, other.patterns, patterns);
            grow(&mut self.affine, other.affine, affine);
            grow(&mut self.affine_exp, other.affine_exp, affine_exp);
        }
        self.shrink();
    }
}

/// Decide `piece`'s neurons until one cuts it (the two halves go to `out`) or the last layer is done (it counts).
fn advance(net: &Net, mut piece: Piece, out: &mut Vec<Piece>, tally: &mut Tally) -> Result<(), CountFail> {
    let d = net.d;
    let st = d + 1;
    let nl = net.layers.len() + 1;
    let mut side = vec![0.0f64; st];
    let mut unit = vec![0.0f64; st];
    // The piece's program, out of the piece while it is advanced (a clone of the piece at a cut has none).
    let mut lp = match piece.lp.take() {
        Some(lp) => lp,
        None => piece_program(d, &piece.cons)?,
    };
    loop {
        let n_here = piece.pre.len() / st;
        if piece.neuron == n_here {
            tally.per_layer[piece.layer] += 1;
            if piece.layer + 1 == nl {
                if net.list {
                    tally.points.extend(&piece.center);
                    tally.radii.push(piece.radius);
                    tally.patterns.extend(&piece.bits);
                    if let Some((w_out, b_out)) = &net.readout {
                        // The output w_out . (gate * z) + b_out, affine in u on the region.
                        let start = tally.affine.len();
                        tally.affine.resize(start + st, 0.0);
                        let row = &mut tally.affine[start..];
                        logit_row(row, w_out, &piece.gate, &piece.pre, [1.0; 3]);
                        if row.iter().all(|x| x.is_finite()) {
                            row[d] += b_out;
                            tally.affine_exp.push(0);
                        } else {
                            // Terms beyond float64 in box coordinates (where the caller's map need not be: the
                            // slope 1e9 on a box 1e300 wide): again times 2^-e, the least power of two that keeps
                            // the terms (below 2^(ew + eg + ep), n of them) below 2^1020 in all, taken from w_out,
                            // then the rows, then the gates (each at most the power of two of its largest entry),
                            // and kept to scale back in the caller's coordinates (not less: the division by the
                            // box's half-width there would underflow).
                            let top = |x: &[f64]| {
                                x.iter().fold(0.0f64, |m, v| m.max(v.abs())).log2().ceil().clamp(0.0, 1022.0) as i32
                            };
                            let (ew, eg, ep) = (top(w_out), top(&piece.gate), top(&piece.pre));
                            let n = (w_out.len() as f64 + 1.0).log2().ceil() as i32;
                            let e = (ew + eg + ep + n - 1020).max(1);
                            let sw = e.min(ew);
                            let sp = (e - sw).min(ep);
                            let sg = e - sw - sp;
                            row.fill(0.0);
                            logit_row(row, w_out, &piece.gate, &piece.pre, [pow2(-sw), pow2(-sg), pow2(-sp)]);
                            tally.affine_exp.push(e);
                        }
                    }
                }
                return Ok(());
            }
            // The next layer's pre-activations: z' = W^T (gate * z) + b, affine in u on this piece; on a box
            // narrow for its coordinates as double-doubles (`next_rows`), else in plain floating point.
            // (An entry that overflowed, to infinity or to NaN, is refused below before any use of its row.)
            if net.narrow {
                (piece.pre, piece.pre_lo) = next_rows(&net.layers[piece.layer], &piece, d);
            } else {
                piece.pre = plain_rows(&net.layers[piece.layer], &piece, d);
            }
            piece.gate.clear();
            piece.layer += 1;
            piece.neuron = 0;
            continue;
        }
        let row = &piece.pre[piece.neuron * st..(piece.neuron + 1) * st];
        // Scaled by its largest entry first, so that tiny or huge weights neither underflow nor overflow below.
        let big = row.iter().fold(0.0f64, |m, x| m.max(x.abs()));
        // (`max` passes over a NaN: an entry that overflowed both ways, inf - inf, is looked for on its own.)
        if !big.is_finite() || row.iter().any(|x| x.is_nan()) {
            return Err(CountFail::Overflow { unit: piece.neuron, layer: piece.layer + 1 });
        }
        for (x, y) in unit.iter_mut().zip(row) {
            *x = if big > 0.0 { y / big } else { 0.0 };
        }
        let (a, c) = (&unit[..d], unit[d]);
        // Over the whole box the pre-activation ranges over c -+ sum |a_k|: if that keeps one sign, no LP.
        let reach: f64 = a.iter().map(|x| x.abs()).sum();
        let nrm = a.iter().map(|x| x * x).sum::<f64>().sqrt();
        let active = if c - reach >= 0.0 || nrm == 0.0 {
            c > 0.0
        } else if c + reach <= 0.0 {
            false
        } else {
            let s = (a.iter().zip(&piece.center).map(|(x, y)| x * y).sum::<f64>() + c) / nrm;
            // The active side is {-a . u <= c}, the inactive one {a . u <= -c}; a side holding the whole inscribed
            // ball keeps it and needs no LP.
            // (`None` for a half that holds the ball: its program is the piece's until the piece is cut.)
            let mut halves: [Option<Option<Half>>; 2] = [None, None];
            for (h, sign) in [(0usize, -1.0f64), (1, 1.0)] {
                let holds_ball = if h == 0 { s >= piece.radius } else { -s >= piece.radius };
                if holds_ball {
                    continue;
                }
                for k in 0..d {
                    side[k] = sign * a[k] / nrm;
                }
                side[d] = -sign * c / nrm;
                halves[h] = Some(inscribed_ball(d, &lp, &net.vars, &piece.cons, &side, net.tol)?);
            }
            let feasible = |x: &Option<Option<Half>>| !matches!(x, Some(None));
            if feasible(&halves[0]) && feasible(&halves[1]) {
                // The neuron cuts the piece: both halves go on, each with its half-space. A half that holds the
                // ball gets its row in the piece's program, whose optimum stays optimal (no pivot).
                let mut other = piece.clone();
                for (pc, sign, half) in [(&mut piece, -1.0, halves[0].take()), (&mut other, 1.0, halves[1].take())] {
                    for k in 0..d {
                        side[k] = sign * a[k] / nrm;
                    }
                    side[d] = -sign * c / nrm;
                    let half = match half {
                        Some(Some(h)) => h,
                        _ => inscribed_ball(d, &lp, &net.vars, &pc.cons, &side, 0.0)?
                            .ok_or_else(|| CoreError::Numerical("a region's inscribed ball vanished".into()))?,
                    };
                    pc.cons.extend_from_slice(&side);
                    let new_lp;
                    (pc.center, pc.radius, new_lp) = half;
                    pc.lp = Some(new_lp);
                }
                piece.gate.push(1.0);
                piece.neuron += 1;
                other.gate.push(net.slope);
                other.neuron += 1;
                if net.list {
                    piece.bits.push(true);
                    other.bits.push(false);
                }
                out.push(piece);
                out.push(other);
                return Ok(());
            }
            // One half: the piece is (up to a sliver) that half. A half that held the ball keeps the piece's
            // program; one found by a program has the half's ball and program now, and its row (so that `cons` holds
            // the program's rows, from which it is solved again when dropped).
            let mut keep = |(cen, rad, half_lp): Half, sign: f64, piece: &mut Piece| {
                (piece.center, piece.radius, lp) = (cen, rad, half_lp);
                piece.cons.extend(a.iter().map(|x| sign * x / nrm));
                piece.cons.push(-sign * c / nrm);
            };
            match halves {
                [None, _] => true,
                [_, None] => false,
                [Some(Some(h)), Some(None)] => {
                    keep(h, -1.0, &mut piece);
                    true
                }
                [Some(None), Some(Some(h))] => {
                    keep(h, 1.0, &mut piece);
                    false
                }
                // Both halves thinner than tol (rounding at the edge of tol): the side of the centre. (Both
                // feasible was a cut, above.)
                _ => s > 0.0,
            }
        };
        piece.gate.push(if active { 1.0 } else { net.slope });
        piece.neuron += 1;
        if net.list {
            piece.bits.push(active);
        }
    }
}

/// The rounding of a first-layer unit's constant on the box, relative to its largest weight there, above which
/// [`network_regions_in_box`] reads the unit exactly: `2^-40`, far below the least `tol` (`1e-9`).
pub(crate) const NEGLIGIBLE: f64 = 1.0 / (1u64 << 40) as f64;

/// Whether a first-layer unit makes a box (or `region_polygons`' window) narrow for its coordinates: the rounding of
/// its constant, a sum of `terms` terms whose sizes add up to `spread`, is above [`NEGLIGIBLE`] of its largest
/// weight on the box, `big`. A unit constant on the box (`big` 0) with a constant not 0 makes the count's box narrow:
/// its row is exact, but a later layer's rows may cancel its constant against others' (`7 relu(1/3) - 7/3` is
/// `2^-52.4` in exact arithmetic of those doubles, 0 in float64: a constant later unit's gate). `region_polygons`
/// leaves such units out (`big > 0` there): a drawing's gates are float64's on a window not narrow for a cut.
pub(crate) fn rounds_away(terms: usize, spread: f64, big: f64) -> bool {
    (terms + 4) as f64 * f64::EPSILON * spread > NEGLIGIBLE * big
}

/// The least double above `x` (finite).
fn next_up(x: f64) -> f64 {
    if x == 0.0 {
        f64::from_bits(1)
    } else if x > 0.0 {
        f64::from_bits(x.to_bits() + 1)
    } else {
        f64::from_bits(x.to_bits() - 1)
    }
}

/// The greatest double below `x` (finite).
fn next_down(x: f64) -> f64 {
    -next_up(-x)
}

/// Result of [`network_regions_in_box`].
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkCount {
    /// `per_layer[l]`: regions of hidden layers `0..=l` (the last entry is the network's count).
    pub per_layer: Vec<u64>,
    /// With [`NetworkOptions::list`], one row of `d` coordinates (the caller's) for each region of the network: the
    /// centre of a ball inside it (the largest inside the piece where the last linear program was solved).
    pub points: Vec<f64>,
    /// The radius of that ball, in the box mapped onto `[-1, 1]^d`.
    pub radii: Vec<f64>,
    /// The region's gates, one row of all hidden units (layer by layer) for each region: on = true.
    pub patterns: Vec<bool>,
    /// With [`NetworkOptions::list`] and a readout, one row of `d + 1` for each region: the network's output
    /// `w_out . h + b_out` on the region as the affine map `a . x + c` of the input (the caller's coordinates),
    /// `(a, c)`.
    pub affine: Vec<f64>,
}

/// The linear (activation) regions of a network of hidden layers `layers[l] = (W_l, b_l)` (`W_0` of shape `(d, n_0)`,
/// `W_l` of shape `(n_{l-1}, n_l)`) inside the open box `lo < x < hi`: the pieces on which every hidden unit's gate
/// is constant, found by splitting the box neuron by neuron, layer by layer; a neuron of a later layer is affine on
/// each piece of the earlier ones, so it cuts that piece by a hyperplane. A half is kept when its largest
/// inscribed ball (a linear program, `microlp`) has a radius above `opts.tol` in the box mapped onto `[-1, 1]^d`.
///
/// A unit whose weights and bias are far from 1 in size is first rescaled by a power of two, and its outgoing
/// weights by the inverse, as `region_polygons` draws it (`pictures::rebalance`): the same gates, so that a row
/// beyond float64 as given (weights of 1e301 reading units near 1e8) is counted. Where that rescaling overflows an
/// outgoing weight or rounds a weight below float64's normal numbers, or a rescaled row overflows (a unit rescaled
/// up, on a box near float64's largest), the network is counted as given.
///
/// Errors: `InvalidArgument` for malformed input; `TooLarge` beyond `opts.max_regions` regions; `Numerical` if a
/// linear program fails, or a unit's row overflows float64 on the box both ways; `Interrupted` on Ctrl-C.
///
/// ```
/// use _core::window::{network_regions_in_box, NetworkOptions};
/// use ndarray::array;
/// // A 1 -> 2 -> 2 ReLU network on the interval (-1, 1), against a brute-force scan of its gates on a fine grid.
/// let (w0, b0) = (array![[1.0, -1.0]], array![0.0, 0.0]);
/// let (w1, b1) = (array![[1.0, 0.0], [0.0, 1.0]], array![-0.5, -0.5]);
/// let gates = |x: f64| {
///     let h = [(x * w0[[0, 0]] + b0[0]).max(0.0), (x * w0[[0, 1]] + b0[1]).max(0.0)];
///     let z = [0, 1].map(|j| h[0] * w1[[0, j]] + h[1] * w1[[1, j]] + b1[j]);
///     [h[0] > 0.0, h[1] > 0.0, z[0] > 0.0, z[1] > 0.0]
/// };
/// let grid: Vec<_> = (0..2000).map(|i| gates(-1.0 + (i as f64 + 0.5) / 1000.0)).collect(); // off the kinks
/// let first = 1 + grid.windows(2).filter(|p| p[0][..2] != p[1][..2]).count() as u64;
/// let all = 1 + grid.windows(2).filter(|p| p[0] != p[1]).count() as u64;
/// let layers = [(w0.view(), b0.view()), (w1.view(), b1.view())];
/// let (lo, hi) = (array![-1.0], array![1.0]);
/// let count = network_regions_in_box(&layers, lo.view(), hi.view(), &NetworkOptions::default())?;
/// assert_eq!(count.per_layer, vec![first, all]); // 2 and 4
/// # Ok::<(), _core::CoreError>(())
/// ```
pub fn network_regions_in_box(
    layers: &[(ArrayView2<f64>, ArrayView1<f64>)],
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    opts: &NetworkOptions,
) -> CoreResult<NetworkCount> {
    network_regions_in_box_counting(layers, None, lo, hi, opts, &AtomicU64::new(0))
}

/// [`network_regions_in_box`], adding to `found` (which starts at 0) as pieces are split off (it ends at the
/// network's count; back to 0 when a rescaled count overflows and the network is counted again as given): what a
/// progress bar reads while the count runs. With `readout = Some((w_out, b_out))` (the
/// output layer, `w_out` of the last hidden layer's width) and [`NetworkOptions::list`], each listed region also
/// gets the network's output on it as an affine map of the input ([`NetworkCount::affine`]).
pub fn network_regions_in_box_counting(
    layers: &[(ArrayView2<f64>, ArrayView1<f64>)],
    readout: Option<(ArrayView1<f64>, f64)>,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    opts: &NetworkOptions,
    found: &AtomicU64,
) -> CoreResult<NetworkCount> {
    check_network(layers, readout, lo, hi, opts)?;
    let mapped = opts.list && readout.is_some();
    // Counted rescaled as `region_polygons` draws: every unit whose weights are far from 1 in size times a power of
    // two and its outgoing weights divided by it (the same gates; bit for bit the same rows up to each unit's power
    // of two, unless one crosses the subnormal range). Its rows then overflow only where the weights along a path
    // and the box's coordinates are too large together (as given, a row times 1e301 overflowed where the rescaled
    // one is near 1). Where rescaling overflows an outgoing weight (a unit's weights and its outgoing weights
    // differ in size by more than float64 holds) or rounds one below the normal numbers (it would not be the same
    // network), or a rescaled row overflows (a unit rescaled up), the network is counted as given, as before.
    let empty = ndarray::Array1::<f64>::zeros(0);
    let w_out = match readout {
        Some((w, _)) if mapped => w,
        _ => empty.view(),
    };
    // (the box's largest |coordinate|, in log2, for the check of a weight the rescaling rounds away)
    let reach = lo.iter().chain(hi.iter()).map(|&x| crate::pictures::log2_abs(x)).fold(0.0f64, f64::max);
    if let Ok(Some((scaled, scaled_out))) = crate::pictures::rebalance(layers, w_out, opts.slope, reach) {
        let views: Vec<_> = scaled.iter().map(|(w, b)| (w.view(), b.view())).collect();
        let readout = if mapped { readout.map(|(_, b)| (scaled_out.view(), b)) } else { readout };
        match count_network(&views, readout, lo, hi, opts, found) {
            Err(CountFail::Overflow { .. }) => found.store(0, Ordering::Relaxed),
            other => return other.map_err(CountFail::into_core),
        }
    }
    count_network(layers, readout, lo, hi, opts, found).map_err(CountFail::into_core)
}

/// Why [`count_network`] stopped: an error of the core, or [`advance`]'s refusal of a row beyond float64, kept apart
/// by its type (not by its message) so that [`network_regions_in_box_counting`] counts the network as given on that
/// refusal alone; at the public boundary it becomes the `CoreError::Numerical` naming the unit.
#[derive(Debug)]
enum CountFail {
    Core(CoreError),
    /// The pre-activation of unit `unit` (from 0) of hidden layer `layer` (from 1) overflows float64 on the box.
    Overflow {
        unit: usize,
        layer: usize,
    },
}

impl From<CoreError> for CountFail {
    fn from(e: CoreError) -> Self {
        CountFail::Core(e)
    }
}

impl CountFail {
    /// The error the caller gets.
    fn into_core(self) -> CoreError {
        match self {
            CountFail::Core(e) => e,
            CountFail::Overflow { unit, layer } => CoreError::Numerical(format!(
                "the pre-activation of unit {unit} of hidden layer {layer} overflows float64 on the box (as an affine \
                 map of the box's coordinates), also with the network's units rescaled by powers of two to weights \
                 near 1 where float64 allows it, as region_polygons draws them: the weights along its paths and the \
                 box's coordinates are too large together; scale the network's weights, or the box, nearer to 1"
            )),
        }
    }
}

/// The arguments of [`network_regions_in_box_counting`], checked.
fn check_network(
    layers: &[(ArrayView2<f64>, ArrayView1<f64>)],
    readout: Option<(ArrayView1<f64>, f64)>,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    opts: &NetworkOptions,
) -> CoreResult<()> {
    let Some((w0, _)) = layers.first() else {
        return Err(CoreError::InvalidArgument("layers must hold at least one hidden layer".into()));
    };
    let d = w0.nrows();
    if d == 0 {
        return Err(CoreError::InvalidArgument("W of hidden layer 1 has no rows: d must be at least 1".into()));
    }
    if lo.len() != d || hi.len() != d {
        return Err(CoreError::InvalidArgument(format!("lo and hi must have length d = {d}")));
    }
    if (0..d).any(|k| matches!(box_fault(lo[k], hi[k]), Some(BoxFault::NotFinite | BoxFault::Empty))) {
        return Err(CoreError::InvalidArgument("the box needs finite lo < hi in every coordinate".into()));
    }
    check_width("the box", &lo.to_vec(), &hi.to_vec())?;
    if !(1e-9..=1e-2).contains(&opts.tol) {
        return Err(CoreError::InvalidArgument(format!("tol must be in [1e-9, 1e-2], got {}", opts.tol)));
    }
    if !(opts.slope.is_finite()) {
        return Err(CoreError::InvalidArgument("slope must be finite".into()));
    }
    let mut fan_in = d;
    for (l, (w, b)) in layers.iter().enumerate() {
        if w.nrows() != fan_in || b.len() != w.ncols() {
            return Err(CoreError::InvalidArgument(format!(
                "hidden layer {}: W must have shape ({fan_in}, n) and b length n, got W {:?} and b of length {}",
                l + 1,
                w.dim(),
                b.len()
            )));
        }
        if w.iter().chain(b.iter()).any(|x| !x.is_finite()) {
            return Err(CoreError::InvalidArgument(format!("hidden layer {} holds NaN or infinity", l + 1)));
        }
        fan_in = w.ncols();
    }
    if let Some((w_out, b_out)) = &readout {
        if w_out.len() != fan_in {
            return Err(CoreError::InvalidArgument(format!(
                "the output weights must have the last hidden layer's width {fan_in}, got {}",
                w_out.len()
            )));
        }
        if w_out.iter().any(|x| !x.is_finite()) || !b_out.is_finite() {
            return Err(CoreError::InvalidArgument("the output layer holds NaN or infinity".into()));
        }
    }
    Ok(())
}

/// [`network_regions_in_box_counting`] of checked arguments, the network's weights read as they are.
fn count_network(
    layers: &[(ArrayView2<f64>, ArrayView1<f64>)],
    readout: Option<(ArrayView1<f64>, f64)>,
    lo: ArrayView1<f64>,
    hi: ArrayView1<f64>,
    opts: &NetworkOptions,
    found: &AtomicU64,
) -> Result<NetworkCount, CountFail> {
    let (w0, b0) = &layers[0];
    let d = w0.nrows();
    let total: usize = layers.iter().map(|(w, _)| w.ncols()).sum();
    let mapped = opts.list && readout.is_some();
    // Box coordinates: x = cen + half * u (halved before the sum, which overflows for a box of +-1e308).
    let cen: Vec<f64> = (0..d).map(|k| 0.5 * lo[k] + 0.5 * hi[k]).collect();
    let half: Vec<f64> = (0..d).map(|k| half_width(lo[k], hi[k])).collect();
    // A box one or two of the smallest subnormals wide has a half-width of 0: every weight would read 0 on it (one
    // region whatever the network) and the affine maps back in the caller's coordinates divide by it (NaN).
    if let Some(k) = (0..d).find(|&k| half[k] == 0.0) {
        return Err(CountFail::Core(CoreError::InvalidArgument(format!(
            "the box must be at least {:e} wide in every coordinate (half a narrower width can round to 0), got \
             lo[{k}]={:e} hi[{k}]={:e}",
            3.0 * f64::from_bits(1),
            lo[k],
            hi[k]
        ))));
    }
    let n0 = w0.ncols();
    let st = d + 1;
    let mut pre = vec![0.0f64; n0 * st];
    let mut narrow = false;
    let src = Source { w: *w0, b: *b0, lo, hi };
    for j in 0..n0 {
        for k in 0..d {
            pre[j * st + k] = w0[[k, j]] * half[k];
            pre[j * st + d] += w0[[k, j]] * cen[k];
        }
        pre[j * st + d] += b0[j];
        // The constant's rounding (the centre's, half an ulp a coordinate, and the sum's) against the unit's largest
        // weight on the box: far from negligible when the box is narrow for its coordinates (on x in [1, 1 + 2^-40],
        // x - 1 - 2^-41 cancels to half the box from terms 2^41 times larger).
        let big = (0..d).map(|k| pre[j * st + k].abs()).fold(0.0f64, f64::max);
        let spread = (0..d).map(|k| (w0[[k, j]] * cen[k]).abs()).sum::<f64>() + b0[j].abs();
        narrow |= rounds_away(d, spread, big);
    }
    // What the count holds, from the code (`advance` and the two loops below), with `T` = `total` units, `W` the
    // widest layer, and a solved program (`microlp::Solution`) of `R` rows counted at [`ball_program_bytes`]`(d, R)`,
    // above what one measurably holds (`rust/tests/bytes_measured.rs`). A piece's program has the box's `2 d` rows
    // and one a row of `cons`, at most one a neuron decided so far: `2 d + g` rows at most after `g` neurons. Its
    // other arrays: `cons` (at most `T` rows of `d + 1`), its centre, its layer's rows (`W (d + 1)` floats, as many
    // low parts on a box narrow for its coordinates), its gates (at most `W`) and, listed, its pattern (a byte a
    // unit): `arrays`, and twice `cons`, the gates and the pattern as they grow by doubling (`growing`).
    // - The breadth-first start: while a round advances `n < FRONTIER` pieces, those not yet advanced and the halves
    //   of those that were (`n - i + 2 i <= 2 n`); then the frontier (`< 2 FRONTIER`) waiting for the depth-first
    //   split. Each without its program (dropped as it is made, solved again from `cons` when advanced) and shrunk
    //   to its lengths, in two vectors of fewer than `2 FRONTIER` slots (`size_of::<Piece>()`) each.
    // - Each thread's depth-first stack: a cut pushes the piece's two halves and the second is popped next, so
    //   below the piece being advanced the stack holds at most one waiting half per neuron that cut the path to it,
    //   after `g` neurons, at `g` distinct in `1..=T`: `T` pieces' arrays, and the programs of at most `K =
    //   min(KEEP_WAITING, T)` of them, each of `2 d + g` rows at most, at `K` distinct `g` no larger than `T`
    //   (`ball_program_bytes` is affine in the rows: `K` programs of `2 d + T - (K - 1) / 2`), in a vector of at
    //   most `2 (T + 2)` slots.
    // - Each thread's piece being advanced: its program, the two halves' programs and one being solved (a clone of
    //   the program with a row more, or a program solved from scratch), counted as 5 programs of `2 d + T + 1` rows;
    //   the arrays of the piece, of its clone at a cut and of one more; a layer's rows being summed (`dd_rows`: 6
    //   arrays of a layer's rows or gates at most).
    // - The network's weights: the caller's rescaled by `pictures::rebalance` and `Net`'s copy of the later layers
    //   (counted three times the weights and biases).
    // Until pass 61 every piece (`2 (T + 2)` a thread and `2 FRONTIER`) was counted with its program of `2 d + T`
    // rows, and the breadth-first start's pieces held theirs: 7.7-8.8 times the measured peak in 2-D, 4.2-4.8 in
    // 3-D, where those programs were most of the peak.
    let widest = layers.iter().map(|(w, _)| w.ncols()).max().unwrap_or(0);
    let (tf, wf, df) = (total as f64, widest as f64, d as f64); // (f64: no product can wrap)
    let weights: f64 = layers.iter().map(|(w, _)| (w.nrows() + 1) as f64 * w.ncols() as f64).sum();
    let lows = if narrow { 2.0 } else { 1.0 };
    let arrays = 8.0 * (tf * (df + 1.0) + df + lows * wf * (df + 1.0) + wf) + if opts.list { tf } else { 0.0 };
    let growing = arrays + 8.0 * ((tf + 1.0) * (df + 1.0) + wf + 4.0) + if opts.list { tf + 8.0 } else { 0.0 };
    let slot = std::mem::size_of::<Piece>() as f64;
    let start = (2 * FRONTIER) as f64 * arrays + (4 * FRONTIER) as f64 * slot;
    let kept = KEEP_WAITING.min(total);
    let waiting_programs = kept as f64 * ball_program_bytes(d, 2 * d + total - kept.saturating_sub(1) / 2);
    let stack = waiting_programs + tf * growing + 2.0 * (tf + 3.0) * slot;
    let advancing = 5.0 * ball_program_bytes(d, 2 * d + total + 1) + 3.0 * growing + 8.0 * 6.0 * wf * (df + 1.0);
    let threads = rayon::current_num_threads() as f64;
    // A listed region: its point and radius (d + 1 floats), its pattern (a byte a unit) and, with a readout, its map
    // (d + 1 floats) and the map's exponent (4 bytes). Held up to twice: each piece's list grows by doubling until
    // the piece is done (then shrunk to its length), and the merged list grows by doubling while the pieces' lists
    // not yet appended are held (then shrunk). Counted once until pass 60: listing 2^18 regions in 18-D added
    // 1.1-1.3 times the list to the peak, covered only by the pieces' slack (`rust/tests/bytes_measured.rs`).
    let row_bytes = if mapped { 16.0 * (d + 1) as f64 + 4.0 } else { 8.0 * (d + 1) as f64 } + total as f64;
    let listed = if opts.list { 2.0 * opts.max_regions as f64 * row_bytes } else { 0.0 };
    crate::limits::check_bytes(
        &format!(
            "{} the regions of a network of {total} hidden units in {d}-D{}",
            if opts.list { "listing" } else { "counting" },
            if opts.list { format!(" (at most max_regions={} of them)", opts.max_regions) } else { String::new() }
        ),
        start + threads * (stack + advancing) + 3.0 * 8.0 * (weights + wf) + listed,
    )?;
    // On such a box every first-layer row is taken from its exact value in box coordinates, as `hi + lo` to about
    // 2^-100 of each entry: the later layers' rows cancel from them.
    let mut pre_lo = Vec::new();
    if narrow {
        pre_lo = vec![0.0f64; n0 * st];
        for j in 0..n0 {
            let mut exact = exact_dyadic_row(&src, j);
            exact[d] = exact[d].neg();
            for (k, x) in exact.iter().enumerate() {
                let x_hi = x.to_f64();
                if x_hi.is_finite() {
                    pre[j * st + k] = x_hi;
                    if x_hi != 0.0 {
                        pre_lo[j * st + k] = x.add(&Dyadic::of(x_hi).neg()).to_f64();
                    }
                }
            }
        }
    }
    // The box's own program: its ball is the box's, centre 0 and radius 1.
    let (program, vars) = ball_program(d, &[]);
    let box_lp = match read_ball(program.solve(), &vars, 0.0) {
        Ok(Some((_, _, lp))) => lp,
        _ => return Err(CoreError::Numerical("the linear program of the box's inscribed ball failed".into()).into()),
    };
    let net = Net {
        d,
        vars,
        layers: layers[1..]
            .iter()
            .map(|(w, b)| (w.iter().copied().collect(), b.to_vec(), w.nrows(), w.ncols()))
            .collect(),
        tol: opts.tol,
        slope: opts.slope,
        list: opts.list,
        readout: if mapped { readout.map(|(w, b)| (w.to_vec(), b)) } else { None },
        narrow,
    };
    let nl = layers.len();
    let root = Piece {
        cons: Vec::new(),
        center: vec![0.0; d],
        radius: 1.0,
        lp: Some(box_lp),
        layer: 0,
        neuron: 0,
        pre,
        pre_lo,
        gate: Vec::new(),
        bits: Vec::new(),
    };
    let cancel = crate::limits::Cancel::current();
    found.fetch_add(1, Ordering::Relaxed);
    let too_many = || {
        CoreError::TooLarge(format!(
            "the network has more than max_regions={} regions in the box; raise max_regions, or shrink the box",
            opts.max_regions
        ))
    };
    // Breadth first until there is work for many threads, then each piece depth first, in parallel; the counts
    // are sums and the regions are listed in the order of the pieces, so the result does not depend on the threads.
    let mut tally = Tally::new(nl);
    let mut frontier = vec![root];
    while !frontier.is_empty() && frontier.len() < FRONTIER {
        let mut next = Vec::with_capacity(2 * frontier.len());
        for p in frontier {
            cancel.check()?;
            let start = next.len();
            advance(&net, p, &mut next, &mut tally)?;
            // Waiting for the next round, or for the depth-first split: without their programs, solved again from
            // their rows when advanced (all but one thread's few pieces are held without them).
            for q in &mut next[start..] {
                q.lp = None;
                q.cons.shrink_to_fit();
                q.gate.shrink_to_fit();
                q.bits.shrink_to_fit();
            }
        }
        let splits = next.len() as u64 / 2;
        if found.fetch_add(splits, Ordering::Relaxed) + splits > opts.max_regions {
            return Err(too_many().into());
        }
        frontier = next;
    }
    let rest = frontier
        .into_par_iter()
        .map(|p| {
            let _on = cancel.install();
            let mut t = Tally::new(nl);
            let mut stack = vec![p];
            let mut out = Vec::with_capacity(2);
            // The waiting halves on the stack that keep their program (at most KEEP_WAITING), and whether the top of
            // the stack is the second half of the last cut (popped next, not waiting).
            let (mut kept, mut second) = (0usize, false);
            while let Some(p) = stack.pop() {
                cancel.check()?;
                if !std::mem::take(&mut second) && p.lp.is_some() {
                    kept = kept.saturating_sub(1);
                }
                advance(&net, p, &mut out, &mut t)?;
                if !out.is_empty() {
                    if found.fetch_add(1, Ordering::Relaxed) + 1 > opts.max_regions {
                        return Err(too_many().into());
                    }
                    stack.append(&mut out);
                    // The first half waits for the second's pieces: with its program while fewer than KEEP_WAITING
                    // waiting halves keep theirs, else without it (solved again when popped).
                    let n = stack.len();
                    if kept < KEEP_WAITING {
                        kept += 1;
                    } else {
                        stack[n - 2].lp = None;
                    }
                    second = true;
                }
            }
            t.shrink();
            Ok(t)
        })
        .collect::<Result<Vec<Tally>, CountFail>>()?;
    tally.merge(rest);
    // Back to the caller's coordinates: x = cen + half * u, kept strictly inside the box (a ball's centre near the
    // boundary of a box a few hundred roundings wide could round onto it; the box is wider than two, see
    // [`check_width`]).
    for row in tally.points.chunks_exact_mut(d) {
        for k in 0..d {
            row[k] = (cen[k] + half[k] * row[k]).max(next_up(lo[k])).min(next_down(hi[k]));
        }
    }
    // a . u + c with u = (x - cen) / half: (a / half) . x + c - (a / half) . cen; a map summed scaled by 2^-e
    // (terms beyond float64 in box coordinates) is scaled back, and its b_out added, here.
    let b_out = net.readout.as_ref().map_or(0.0, |r| r.1);
    for (row, &e) in tally.affine.chunks_exact_mut(d + 1).zip(&tally.affine_exp) {
        let c = row[d];
        for k in 0..d {
            row[k] /= half[k];
            row[d] -= row[k] * cen[k];
        }
        if !row[d].is_finite() {
            // Terms beyond float64 whose sum is not (`1e9 (x - y)` around `(1e300, 1e300)`): summed again scaled.
            row[d] = c - scaled_dot(&row[..d], &cen);
        }
        if e > 0 {
            row.iter_mut().for_each(|x| *x = times_pow2(*x, e));
            row[d] += b_out;
        }
    }
    // A logit beyond float64 on a listed region, as a map (infinite, or NaN where such terms meet) or at the region's
    // listed point: refused, as `decision_function` refuses it there, not listed as inf and NaN. (At the point the
    // constant is summed with the slope's terms, scaled where they overflow on the way: 1e308 * 2.5 - 1.5e308.)
    let mut at_p = vec![1.0; d + 1];
    for (r, (row, p)) in tally.affine.chunks_exact(d + 1).zip(tally.points.chunks_exact(d)).enumerate() {
        at_p[..d].copy_from_slice(p);
        let at = scaled_dot(row, &at_p);
        if !at.is_finite() {
            let place = if row.iter().all(|v| v.is_finite()) {
                format!("at its listed point {p:?}, where it is {at:e},")
            } else {
                "as an affine map a . x + c of the input,".to_string()
            };
            return Err(CountFail::Core(CoreError::Numerical(format!(
                "the network's logit on listed region {r} overflows float64 ({place} (a, c) = {row:?}): scale w_out \
                 and b_out down (the same regions)"
            ))));
        }
    }
    Ok(NetworkCount {
        per_layer: tally.per_layer,
        points: tally.points,
        radii: tally.radii,
        patterns: tally.patterns,
        affine: tally.affine,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::{arr1, arr2, Array1, Array2};
    use rand::{RngExt, SeedableRng};

    fn count(w: &Array2<f64>, b: &Array1<f64>, lo: f64, hi: f64) -> CoreResult<u64> {
        let d = w.nrows();
        let lo = Array1::from_elem(d, lo);
        let hi = Array1::from_elem(d, hi);
        regions_in_box(w.view(), b.view(), lo.view(), hi.view(), &WindowOptions::default()).map(|c| c.regions)
    }

    /// `box_fault` against the rules' closed forms: the first broken in its order, at boxes exactly `k` roundings
    /// wide (`[2^e, 2^e + k 2^(e-52)]`, whose largest coordinate is `2^e (1 + k 2^-52)`: narrow while `k < 64 (1 + k
    /// 2^-52)`, i.e. for `k <= 64`), a box of one smallest subnormal (half of it rounds to 0) and of two (its half is
    /// the smallest subnormal; the floor `64 2^-52 2^-1073` underflows to 0, so it is not narrow: the rule is
    /// relative, and in the subnormals a box's one double inside is counted exactly), and bounds that are NaN,
    /// infinite, equal or reversed.
    #[test]
    fn box_fault_is_the_first_rule_broken() {
        use BoxFault::*;
        let tiny = f64::from_bits(1);
        let cases: Vec<(f64, f64, Option<BoxFault>)> = vec![
            (f64::NAN, 1.0, Some(NotFinite)),
            (0.0, f64::INFINITY, Some(NotFinite)),
            (f64::NEG_INFINITY, f64::NAN, Some(NotFinite)),
            (1.0, 1.0, Some(Empty)),
            (2.0, 1.0, Some(Empty)),
            (0.0, -0.0, Some(Empty)),
            (0.0, tiny, Some(HalvesToZero)),
            (-tiny, 0.0, Some(HalvesToZero)),
            (0.0, 2.0 * tiny, None),
            (0.0, 1e-300, None),
            (1e-300, 1e-300 + 1e-316, Some(Narrow)),
            (-1e308, 1e308, None),
            (-1.0, 1.0, None),
        ];
        for (lo, hi, want) in cases {
            assert_eq!(box_fault(lo, hi), want, "[{lo:e}, {hi:e}]");
        }
        // (from 2^-976 down the floor 2^(e-46) (1 + k 2^-52) is subnormal and rounds: k = 64 is not narrow there)
        for e in [-970i32, -1, 0, 60, 1000] {
            // 2^e and the doubles k steps above it (steps of 2^(e-52)), from their bits
            let base = f64::from_bits(((e + 1023) as u64) << 52);
            for k in [1u64, 63, 64, 65, 1000] {
                let hi = f64::from_bits(base.to_bits() + k);
                let want = if k <= 64 { Some(Narrow) } else { None };
                assert_eq!(box_fault(base, hi), want, "2^{e} + {k} roundings");
                assert_eq!(box_fault(-hi, -base), want, "mirrored, 2^{e} + {k} roundings");
            }
        }
    }

    /// Hyperplanes given as rows `(w_1..w_d, c)` meaning `w . x = c`.
    fn planes(rows: &[&[f64]]) -> (Array2<f64>, Array1<f64>) {
        let d = rows[0].len() - 1;
        let l = rows.len();
        let mut w = Array2::zeros((d, l));
        let mut b = Array1::zeros(l);
        for (i, r) in rows.iter().enumerate() {
            for k in 0..d {
                w[[k, i]] = r[k];
            }
            b[i] = -r[d];
        }
        (w, b)
    }

    /// Found by fuzzing (pass 49): hyperplanes tilted by a small `eps` make facet normals of the zonotope test of
    /// about that size, which the floating-point filter skipped as "no facet", so a line lying on the box's face
    /// `x4 = -1` (where `b` and `c` meet) counted as inside in one order of the neurons. By hand: `V`, the three
    /// hyperplanes (each enters the box), `a & b` and `a & c` (points with `x1 < 0` small) and not `b & c` (all of
    /// it on the face): 6, in every order.
    #[test]
    fn a_flat_on_the_boundary_is_outside_whatever_the_tilt_and_order() {
        for eps in [1e-8, 7.450580596923828e-9, 1e-12, 1e-4] {
            // a: eps x1 + 4 x4 = -4; b: x1 + x2 + x3 + x4 = -1; c: x1 + x2 + x3 = 0
            let rows: [&[f64]; 3] =
                [&[eps, 0.0, 0.0, 4.0, -4.0], &[1.0, 1.0, 1.0, 1.0, -1.0], &[1.0, 1.0, 1.0, 0.0, 0.0]];
            for order in [[0, 1, 2], [2, 1, 0], [1, 0, 2], [0, 2, 1], [2, 0, 1], [1, 2, 0]] {
                let (w, b) = planes(&order.map(|i| rows[i]));
                assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 6, "eps {eps}, order {order:?}");
            }
        }
    }

    /// Found by fuzzing (pass 49): a weight in the subnormal range, scaled to the box, was rounded to a few bits
    /// (`5e-324 * 1.75` is `1e-323`), so three lines through one point were counted as three crossings (7, not 6).
    #[test]
    fn subnormal_weights_are_read_exactly() {
        // y = 0, x + y = 0, x = 0 in the box (-1, 1) x (-2, 1.5): three lines through the origin, six sectors.
        let w = arr2(&[[0.0, 5e-324, -3.0], [1e-300, 5e-324, 0.0]]);
        let b = arr1(&[0.0, 0.0, 0.0]);
        let (lo, hi) = (arr1(&[-1.0, -2.0]), arr1(&[1.0, 1.5]));
        for rev in [false, true] {
            let (w, b) = if rev {
                (w.slice(ndarray::s![.., ..;-1]).to_owned(), b.slice(ndarray::s![..;-1]).to_owned())
            } else {
                (w.clone(), b.clone())
            };
            let c = regions_in_box(w.view(), b.view(), lo.view(), hi.view(), &WindowOptions::default()).unwrap();
            assert_eq!(c.regions, 6, "reversed: {rev}");
        }
    }

    fn binom_sum(l: u64, d: u64) -> u64 {
        let mut t = 1u64;
        let mut s = 1u64;
        for k in 0..d.min(l) {
            t = t * (l - k) / (k + 1);
            s += t;
        }
        s
    }

    fn random(d: usize, l: usize, seed: u64) -> (Array2<f64>, Array1<f64>) {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        let w = Array2::from_shape_fn((d, l), |_| rng.random::<f64>() * 2.0 - 1.0);
        let b = Array1::from_shape_fn(l, |_| rng.random::<f64>() * 2.0 - 1.0);
        (w, b)
    }

    #[test]
    fn bucket_sort_is_a_stable_sort_also_when_one_bucket_holds_almost_everything() {
        // Knots clustered in a range a millionth of the spread fall in one bucket (it was sorted by insertion,
        // quadratically); equal positions keep their scan order.
        let mut pts: Vec<(f64, f32, u32)> = (0..5000u32).map(|i| (0.5 - 1e-9 * (i / 2) as f64, 0.0, i)).collect();
        pts.push((-0.9, 0.0, 5000));
        pts.push((0.9, 0.0, 5001));
        let mut want = pts.clone();
        want.sort_by(|a, b| a.0.total_cmp(&b.0));
        let (mut tmp, mut counts) = (Vec::new(), Vec::new());
        bucket_sort(&mut pts, &mut tmp, &mut counts).unwrap();
        assert_eq!(pts, want);
    }

    #[test]
    fn determinants() {
        let mut a = [2.0, 0.0, 0.0, 0.0, 0.0, 3.0, 0.0, 0.0, 0.0, 0.0, 0.0, 4.0, 0.0, 0.0, 5.0, 0.0];
        assert_eq!(det(4, &mut a), -120.0);
        let mut b = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 7.0, 8.0, 10.0];
        assert!((det(3, &mut b) + 3.0).abs() < 1e-12);
    }

    /// An `Arr` of the rows `(w, q)` as given (normalised to `|w| = 1`), with the margin of `regions_in_box`.
    fn arr_of<'a>(src: Source<'a>, d: usize, rows: &[(Vec<f64>, f64)]) -> Arr<'a> {
        let delta = 8.0 * (d * d) as f64 * f64::EPSILON * (1.0 + d as f64).powf(d as f64 / 2.0);
        let mut arr =
            Arr { src, d, w: vec![], q: vec![], ext: vec![], orig: vec![], tol: DEFAULT_TOL.max(16.0 * delta), delta };
        for (i, (w, q)) in rows.iter().enumerate() {
            let nrm = w.iter().map(|x| x * x).sum::<f64>().sqrt();
            arr.w.extend(w.iter().map(|x| x / nrm));
            arr.q.push(q / nrm);
            arr.orig.push(i);
        }
        arr
    }

    /// The floating-point filter decides the flats far from the box's boundary itself (it hands to the exact test
    /// only those within its margin): a flat through a point `p` with `|p|_inf <= 1/2` (through the centre, and of
    /// coordinate hyperplanes, whose facet normals are often exactly 0) meets the open box, and one that lies in the
    /// face-parallel hyperplane `x_c = 3/2`, or of two parallel hyperplanes, misses it; in every `d <= 7` and every
    /// size `k <= d - 1` of [`extend`]'s subsets.
    #[test]
    fn flat_test_decides_flats_far_from_the_boundary_itself() {
        let (w0, b0) = (Array2::<f64>::zeros((0, 0)), Array1::<f64>::zeros(0));
        let src = Source { w: w0.view(), b: b0.view(), lo: b0.view(), hi: b0.view() };
        let mut rng = rand_pcg::Pcg64::seed_from_u64(11);
        let dot = |w: &[f64], p: &[f64]| w.iter().zip(p).map(|(a, b)| a * b).sum::<f64>();
        for d in 2..=7usize {
            for k in 1..d {
                for trial in 0..30 {
                    let mut p: Vec<f64> = (0..d).map(|_| rng.random::<f64>() - 0.5).collect();
                    if trial % 3 == 0 {
                        p.iter_mut().for_each(|x| *x = 0.0);
                    }
                    let axes = trial % 3 == 1;
                    let w = |rng: &mut rand_pcg::Pcg64, i: usize| -> Vec<f64> {
                        (0..d)
                            .map(|c| {
                                if axes {
                                    (c == (i + trial) % d) as u8 as f64
                                } else {
                                    rng.random::<f64>() * 2.0 - 1.0
                                }
                            })
                            .collect()
                    };
                    let rows: Vec<(Vec<f64>, f64)> = (0..k)
                        .map(|i| w(&mut rng, i))
                        .map(|w| {
                            let q = dot(&w, &p);
                            (w, q)
                        })
                        .collect();
                    let s: Vec<usize> = (0..k).collect();
                    assert_eq!(flat_test(&arr_of(src, d, &rows), &s), Test::Inside, "d {d}, k {k}, {rows:?}");
                    // Moved into x_c = 3/2 (the other hyperplanes through the moved point): outside.
                    let c = trial % d;
                    p[c] = 1.5;
                    let mut far: Vec<(Vec<f64>, f64)> = vec![((0..d).map(|i| (i == c) as u8 as f64).collect(), 1.5)];
                    far.extend(rows.iter().skip(1).map(|(w, _)| (w.clone(), dot(w, &p))));
                    assert_eq!(flat_test(&arr_of(src, d, &far), &s), Test::Outside, "d {d}, k {k}, {far:?}");
                    if k >= 2 {
                        // Hyperplane 1 parallel to hyperplane 0, 1/4 away from it: no common point.
                        let mut par = rows.clone();
                        par[1] = (par[0].0.clone(), par[0].1 + 0.25);
                        assert_eq!(flat_test(&arr_of(src, d, &par), &s), Test::Outside, "d {d}, k {k}, {par:?}");
                    }
                }
            }
        }
    }

    /// `Dyadic::of` against the double's value: back to the same double (the subnormals included, every exponent)
    /// and, for a subnormal `x`, the value of the normal double `x 2^100` times `2^-100`.
    #[test]
    fn dyadics_hold_the_doubles_value() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(5);
        let same = |a: &Dyadic, b: &Dyadic| a.add(&b.neg()).m.is_zero();
        let p100 = Dyadic::of(2f64.powi(100));
        for i in 0..4000u64 {
            let bits = match i % 4 {
                0 => rng.random::<u64>() & !(0x7ffu64 << 52) | (rng.random_range(1u64..0x7ff) << 52), // normal
                1 => rng.random_range(1u64..1 << 52),                                                 // subnormal
                2 => rng.random_range(1u64..64),                                                      // tiny subnormal
                _ => (rng.random_range(1u64..0x7ff) << 52) | rng.random_range(0u64..4),               // few bits
            };
            let x = if i % 8 < 4 { f64::from_bits(bits) } else { -f64::from_bits(bits) };
            let dx = Dyadic::of(x);
            assert_eq!(dx.to_f64().to_bits(), x.to_bits(), "{x:e}");
            if x.abs() < f64::MIN_POSITIVE {
                assert!(same(&dx.mul(&p100), &Dyadic::of(x * 2f64.powi(100))), "{x:e}");
            }
        }
    }

    /// `subset_work` against the binomial sums in integers, and `work_estimate` against its cost model summed subset
    /// by subset (every subset of `n` hyperplanes of size `1..=d`, every set `T` of `k - 1` of the `d` columns,
    /// enumerated as bit masks rather than counted by binomials).
    #[test]
    fn work_is_the_cost_model_summed_over_the_subsets() {
        let steps = |m: usize| 1.0 + (m * m) as f64 + (m * m * m) as f64 / 3.0;
        for n in 0..=9u64 {
            for d in 1..=6u64 {
                let (nu, du) = (n as usize, d as usize);
                let mut subsets = 0u64;
                let mut want = n as f64 * (64.0 + d as f64);
                for mask in 1u32..1 << nu {
                    let k = mask.count_ones() as usize;
                    if k > du {
                        continue;
                    }
                    subsets += 1;
                    if k >= 2 && k < du {
                        let ts = (0u32..1 << du).filter(|t| t.count_ones() as usize == k - 1).count() as f64;
                        want += ts * (k as f64 * steps(k - 1) + (k * (du - k + 2)) as f64);
                    }
                    if k + 1 == du {
                        want += (du * du) as f64 * steps(du - 1);
                    }
                    if k == du {
                        want += ((du + 1) * (du + 1)) as f64 + 8.0;
                    }
                }
                assert_eq!(subset_work(n, d), subsets as f64, "n {n}, d {d}");
                let got = work_estimate(n, d);
                assert!((got - want).abs() <= 1e-9 * want, "n {n}, d {d}: {got} vs {want}");
            }
        }
        // Saturating, not wrapping: C(10^6, 12) is about 2 10^62.
        assert!(subset_work(1_000_000, 12) > 1e62 && work_estimate(1_000_000, 12) > 1e63);
    }

    #[test]
    fn hand_fixtures_2d() {
        // No hyperplanes: one region.
        assert_eq!(count(&Array2::zeros((2, 0)), &Array1::zeros(0), -1.0, 1.0).unwrap(), 1);
        // Grid x = +-0.5, y = +-0.5 (two parallel pairs) inside [-1, 1]^2: 9 regions.
        let (w, b) = planes(&[&[1.0, 0.0, 0.5], &[1.0, 0.0, -0.5], &[0.0, 1.0, 0.5], &[0.0, 1.0, -0.5]]);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 9);
        // The same grid in [0, 1]^2 sees only x = 0.5 and y = 0.5: 4 regions.
        assert_eq!(count(&w, &b, 0.0, 1.0).unwrap(), 4);
        // A triangle x > 0, y > 0, x + y < 1 in a big box: 7; in [-0.1, 0.4]^2 the line x + y = 1 misses: 4.
        let (w, b) = planes(&[&[1.0, 0.0, 0.0], &[0.0, 1.0, 0.0], &[1.0, 1.0, 1.0]]);
        assert_eq!(count(&w, &b, -5.0, 5.0).unwrap(), 7);
        assert_eq!(count(&w, &b, -0.1, 0.4).unwrap(), 4);
        // Line missing the box entirely.
        let (w, b) = planes(&[&[1.0, 1.0, 3.0]]);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 1);
    }

    #[test]
    fn cube_facets_and_coordinate_arrangements() {
        // theory.md section 7: the 6 facet planes of a cube cut R^3 into 27 regions.
        let (w, b) = planes(&[
            &[1.0, 0.0, 0.0, 0.5],
            &[1.0, 0.0, 0.0, -0.5],
            &[0.0, 1.0, 0.0, 0.5],
            &[0.0, 1.0, 0.0, -0.5],
            &[0.0, 0.0, 1.0, 0.5],
            &[0.0, 0.0, 1.0, -0.5],
        ]);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 27);
        // Coordinate arrangement in R^d: 2^d regions.
        for d in 1..=5 {
            let w = Array2::eye(d);
            let b = Array1::zeros(d);
            assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 1 << d);
        }
    }

    #[test]
    fn semiorder3_non_essential() {
        // x_i - x_j = 1 for i != j in R^3: 19 regions (theory.md section 7); all triples are
        // dependent but inconsistent, so the arrangement is in general position relative to a box.
        let mut rows: Vec<Vec<f64>> = Vec::new();
        for i in 0..3 {
            for j in 0..3 {
                if i != j {
                    let mut r = vec![0.0; 4];
                    r[i] = 1.0;
                    r[j] = -1.0;
                    r[3] = 1.0;
                    rows.push(r);
                }
            }
        }
        let refs: Vec<&[f64]> = rows.iter().map(|r| r.as_slice()).collect();
        let (w, b) = planes(&refs);
        assert_eq!(count(&w, &b, -10.0, 10.0).unwrap(), 19);
    }

    /// Rows `x_i - x_j = c` for the pairs `i != j` (all ordered pairs, or `i < j` only) and each `c` of `cs`, in
    /// `R^n`.
    fn difference_rows(n: usize, cs: &[f64], ordered: bool) -> Vec<Vec<f64>> {
        let mut rows = Vec::new();
        for i in 0..n {
            for j in 0..n {
                if i == j || (!ordered && j < i) {
                    continue;
                }
                for &c in cs {
                    let mut r = vec![0.0; n + 1];
                    r[i] = 1.0;
                    r[j] = -1.0;
                    r[n] = c;
                    rows.push(r);
                }
            }
        }
        rows
    }

    fn count_rows(rows: &[Vec<f64>], lo: f64, hi: f64) -> CoreResult<u64> {
        let refs: Vec<&[f64]> = rows.iter().map(|r| r.as_slice()).collect();
        let (w, b) = planes(&refs);
        count(&w, &b, lo, hi)
    }

    #[test]
    fn classical_degenerate_arrangements_have_their_closed_form_counts() {
        // Stanley, "An introduction to hyperplane arrangements", lectures 1 and 5: in R^n, the braid arrangement
        // (x_i = x_j) has n! regions, the Shi arrangement (x_i - x_j in {0, 1}, i < j) (n + 1)^(n - 1), the
        // Catalan arrangement (x_i - x_j in {-1, 0, 1}) n! C_n, and the semiorder arrangement (x_i - x_j = 1,
        // i != j) the number of labelled semiorders on n points (OEIS A006531: 1, 3, 19, 183, 2371). All are
        // degenerate inside the box (many hyperplanes through one flat; none is essential), and every region meets
        // [-10, 10]^n (a region is fixed by the differences, and each contains a point with differences below n).
        let fact = |n: u64| (1..=n).product::<u64>();
        let catalan = |n: u64| fact(2 * n) / fact(n) / fact(n + 1);
        for n in 2..=5usize {
            let n64 = n as u64;
            assert_eq!(count_rows(&difference_rows(n, &[0.0], false), -10.0, 10.0).unwrap(), fact(n64), "braid {n}");
            let semi = [3u64, 19, 183, 2371][n - 2];
            assert_eq!(count_rows(&difference_rows(n, &[1.0], true), -10.0, 10.0).unwrap(), semi, "semiorder {n}");
            if n <= 4 {
                let shi = (n64 + 1).pow(n as u32 - 1);
                assert_eq!(count_rows(&difference_rows(n, &[0.0, 1.0], false), -10.0, 10.0).unwrap(), shi, "Shi {n}");
                let cat = fact(n64) * catalan(n64);
                let rows = difference_rows(n, &[-1.0, 0.0, 1.0], false);
                assert_eq!(count_rows(&rows, -10.0, 10.0).unwrap(), cat, "Catalan {n}");
            }
        }
        // Every hyperplane given twice (each flat reached by many more subsets): the same counts.
        let mut rows = difference_rows(4, &[0.0, 1.0], false);
        rows.extend(rows.clone().into_iter().rev().map(|r| r.iter().map(|x| -2.0 * x).collect()));
        assert_eq!(count_rows(&rows, -10.0, 10.0).unwrap(), 125);
    }

    #[test]
    fn increments_of_a_degenerate_arrangement_are_the_regions_each_neuron_adds() {
        // The Catalan arrangement of R^3 in a scrambled order and with a repeated hyperplane: neuron i's increment
        // is the count of neurons 0..=i less that of 0..i, each counted on its own (other subsets, another order).
        let mut rows = difference_rows(3, &[-1.0, 0.0, 1.0], false);
        rows.push(rows[4].iter().map(|x| 3.0 * x).collect());
        let mut rng = rand_pcg::Pcg64::seed_from_u64(5);
        for i in (1..rows.len()).rev() {
            rows.swap(i, rng.random_range(0..=i));
        }
        let refs: Vec<&[f64]> = rows.iter().map(|r| r.as_slice()).collect();
        let (w, b) = planes(&refs);
        let (lo, hi) = (Array1::from_elem(3, -10.0), Array1::from_elem(3, 10.0));
        let opts = WindowOptions::default();
        let c = regions_in_box(w.view(), b.view(), lo.view(), hi.view(), &opts).unwrap();
        assert_eq!(c.regions, 30);
        let mut before = 1;
        for i in 0..rows.len() {
            let sub =
                regions_in_box(w.slice(ndarray::s![.., ..=i]), b.slice(ndarray::s![..=i]), lo.view(), hi.view(), &opts)
                    .unwrap();
            assert_eq!(c.increments[i], sub.regions - before, "neuron {i}");
            before = sub.regions;
        }
        assert!(c.increments.contains(&0), "the repeated hyperplane adds nothing");
    }

    #[test]
    fn degenerate_inputs_are_counted() {
        // Three concurrent lines through the origin: 6 sectors.
        let (w, b) = planes(&[&[1.0, 0.0, 0.0], &[0.0, 1.0, 0.0], &[1.0, 1.0, 0.0]]);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 6);
        // ... concurrent outside the box: lines through (3, 3).
        let (w, b) = planes(&[&[1.0, 0.0, 3.0], &[0.0, 1.0, 3.0], &[1.0, -1.0, 0.0]]);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 2);
        // Coincident lines (scaled copies): one line.
        let (w, b) = planes(&[&[1.0, 2.0, 0.3], &[-2.0, -4.0, -0.6]]);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 2);
        // Coincident lines that miss the box.
        let (w, b) = planes(&[&[1.0, 2.0, 5.0], &[-2.0, -4.0, -10.0], &[1.0, 0.0, 0.0]]);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 2);
        // Coincident points in 1-D: x = 0.5 three times and x = -0.25: 3 regions.
        let w = ndarray::arr2(&[[1.0, -2.0, 4.0, 1.0]]);
        let c = regions_in_box(
            w.view(),
            arr1(&[-0.5, 1.0, -2.0, 0.25]).view(),
            arr1(&[-1.0]).view(),
            arr1(&[1.0]).view(),
            &WindowOptions::default(),
        )
        .unwrap();
        assert_eq!((c.regions, c.increments), (3, vec![1, 0, 0, 1]));
        // An intersection exactly on the box's boundary is decided exactly: x = 0.25 and x - y = -0.75
        // cross the square and meet at (0.25, 1), on its edge, so not inside the open square: 1 + 2 + 0 regions.
        let (w, b) = planes(&[&[1.0, 0.0, 0.25], &[1.0, -1.0, -0.75]]);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 3);
        // With 0.3 and -0.7 the doubles' own values (0.2999999999999999889 and -0.6999999999999999556) meet at
        // y = 0.99999999999999994449, inside: 1 + 2 + 1 (the decision is on the numbers given, not on decimals).
        let (w, b) = planes(&[&[1.0, 0.0, 0.3], &[1.0, -1.0, -0.7]]);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 4);
        // x + y = 2 passes through the corner (1, 1) only: it does not enter the open square.
        let (w, b) = planes(&[&[1.0, 1.0, 2.0]]);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 1);
        // Four planes through one point in 3-D, any three independent: a central arrangement of 4 generic planes,
        // 2 (1 + 3 + 3) = 14 cones (dyadic numbers: three doubles 0.1 sum to 0.30000000000000001665, not to the double
        // 0.3, and those four planes do not share a point: 8 + 7 = 15 regions).
        let (w, b) = planes(&[
            &[1.0, 0.0, 0.0, 0.125],
            &[0.0, 1.0, 0.0, 0.125],
            &[0.0, 0.0, 1.0, 0.125],
            &[1.0, 1.0, 1.0, 0.375],
        ]);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 14);
        // Three planes through a common line in 3-D (0.1 + 0.1 is the double 0.2): 6 wedges.
        let (w, b) = planes(&[&[1.0, 0.0, 0.0, 0.1], &[0.0, 1.0, 0.0, 0.1], &[1.0, 1.0, 0.0, 0.2]]);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 6);
        // Zero column.
        let w = Array2::from_shape_vec((2, 2), vec![1.0, 0.0, 0.0, 0.0]).unwrap();
        let e = count(&w, &arr1(&[0.0, 1.0]), -1.0, 1.0).unwrap_err();
        assert!(matches!(e, CoreError::InvalidArgument(ref m) if m.contains("column 1 of W is zero")));
    }

    #[test]
    fn exact_determinant_matches_the_permutation_expansion() {
        // Leibniz's sum over permutations, in i128, on small integer matrices (many of them singular).
        fn leibniz(m: usize, a: &[i64]) -> i128 {
            fn perms(m: usize) -> Vec<Vec<usize>> {
                if m == 0 {
                    return vec![vec![]];
                }
                let mut out = Vec::new();
                for p in perms(m - 1) {
                    for i in 0..m {
                        let mut q = p.clone();
                        q.insert(i, m - 1);
                        out.push(q);
                    }
                }
                out
            }
            perms(m)
                .into_iter()
                .map(|p| {
                    let inversions = (0..m).flat_map(|i| (i + 1..m).map(move |j| (i, j))).filter(|&(i, j)| p[i] > p[j]);
                    let sign = if inversions.count() % 2 == 0 { 1 } else { -1 };
                    sign * (0..m).map(|r| a[r * m + p[r]] as i128).product::<i128>()
                })
                .sum()
        }
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        for trial in 0..400 {
            let m = 1 + trial % 6;
            let a: Vec<i64> = (0..m * m).map(|_| rng.random_range(-3i64..=3)).collect();
            let mut big: Vec<BigInt> = a.iter().map(|&x| BigInt::from(x)).collect();
            assert_eq!(exact_det(m, &mut big), BigInt::from(leibniz(m, &a)), "{a:?}");
        }
    }

    /// `exact_ranks` against the rank by minors (the size of the largest nonzero minor, each by Leibniz's expansion):
    /// of the weight columns and of the whole rows, on small integer rows, many of them dependent or parallel with
    /// other offsets (weight rank below the full rank).
    #[test]
    fn exact_ranks_are_the_ranks_by_minors() {
        fn leibniz(a: &[Vec<i64>]) -> i128 {
            let m = a.len();
            let mut p: Vec<usize> = (0..m).collect();
            let mut total = 0i128;
            loop {
                let inv = (0..m).flat_map(|i| (i + 1..m).map(move |j| (i, j))).filter(|&(i, j)| p[i] > p[j]).count();
                let prod: i128 = (0..m).map(|r| a[r][p[r]] as i128).product();
                total += if inv % 2 == 0 { prod } else { -prod };
                // next permutation in lexicographic order
                let Some(i) = (0..m.saturating_sub(1)).rev().find(|&i| p[i] < p[i + 1]) else { break };
                let j = (i + 1..m).rev().find(|&j| p[j] > p[i]).unwrap();
                p.swap(i, j);
                p[i + 1..].reverse();
            }
            total
        }
        fn subsets(n: usize, k: usize) -> Vec<Vec<usize>> {
            (0u32..1 << n)
                .filter(|b| b.count_ones() as usize == k)
                .map(|b| (0..n).filter(|&i| b >> i & 1 == 1).collect())
                .collect()
        }
        fn rank(rows: &[Vec<i64>], cols: usize) -> usize {
            (1..=rows.len().min(cols))
                .rev()
                .find(|&r| {
                    subsets(rows.len(), r).iter().any(|rs| {
                        subsets(cols, r).iter().any(|cs| {
                            leibniz(&rs.iter().map(|&i| cs.iter().map(|&c| rows[i][c]).collect()).collect::<Vec<_>>())
                                != 0
                        })
                    })
                })
                .unwrap_or(0)
        }
        let mut rng = rand_pcg::Pcg64::seed_from_u64(3);
        let mut below = 0;
        for trial in 0..600 {
            let d = 1 + trial % 4;
            let k = 1 + (trial / 4) % 4;
            let mut rows: Vec<Vec<i64>> =
                (0..k).map(|_| (0..=d).map(|_| rng.random_range(-2i64..=2)).collect()).collect();
            if k >= 2 && trial % 3 == 0 {
                // a multiple of row 0's weights, with an offset of its own
                let f = rng.random_range(-2i64..=2);
                let q = rng.random_range(-3i64..=3);
                rows[1] = rows[0].iter().map(|x| f * x).collect();
                rows[1][d] = q;
            }
            let want = (rank(&rows, d), rank(&rows, d + 1));
            below += (want.0 < want.1) as u32;
            let big: Vec<Vec<BigInt>> = rows.iter().map(|r| r.iter().map(|&x| BigInt::from(x)).collect()).collect();
            assert_eq!(exact_ranks(&big, d), want, "{rows:?}");
        }
        assert!(below > 50, "{below}");
    }

    #[test]
    fn exact_rows_are_the_hyperplanes_in_box_coordinates() {
        // x0 - 3 x1 = -0.1 (w = (1, -3), b = 0.1) in the box [0.1, 0.7] x [-2, 1]: x = c + h u, c = (0.4, -0.5),
        // h = (0.3, 1.5): 0.3 u0 - 4.5 u1 = -(0.1 + 0.4 + 1.5) = -2, in the doubles' own values (0.1, 0.3, 0.7 are
        // not dyadic; the row is what the doubles say, scaled to integers).
        let w = ndarray::arr2(&[[1.0], [-3.0]]);
        let (b, lo, hi) = (arr1(&[0.1]), arr1(&[0.1, -2.0]), arr1(&[0.7, 1.0]));
        let src = Source { w: w.view(), b: b.view(), lo: lo.view(), hi: hi.view() };
        let row = exact_row(&src, 0);
        let f = |x: &BigInt| x.to_string().parse::<f64>().unwrap();
        let scale = f(&row[1]) / -4.5;
        assert!(scale > 0.0);
        for (got, want) in row.iter().zip([(0.7 - 0.1) / 2.0, -4.5, -(0.1 + (0.7 + 0.1) / 2.0 * 1.0 - 3.0 * -0.5)]) {
            assert!((f(got) / scale - want).abs() < 1e-12, "{row:?}");
        }
    }

    #[test]
    fn cuts_within_the_margin_of_the_boundary_are_decided_exactly_in_high_d() {
        // Coordinate cuts x_k = a in d = 9: the regions of the open box are the product over the axes of 1 + the
        // cuts strictly inside (-1, 1). Cuts 2^-40 from the boundary, exactly on it, and 2^-45 outside it all fall
        // within the margin of d = 9 (7.3e-8); until the exact decisions every such layer was refused as touching
        // the boundary.
        let e = |p: i32| 2f64.powi(-p);
        let axes: [&[f64]; 9] = [
            &[0.3, 1.0 - e(40), 1.0 - e(41)], // 3 inside, two of them 2^-41 apart
            &[-1.0 + e(45), 1.0],             // 1 inside, one on the boundary
            &[1.0 + e(45), 0.0],              // 1 inside, one just outside
            &[-1.0 + e(50)],
            &[0.1],
            &[0.2],
            &[-0.3],
            &[1.0 - e(44)],
            &[-0.5],
        ];
        let l: usize = axes.iter().map(|a| a.len()).sum();
        let (mut w, mut b) = (Array2::zeros((9, l)), Array1::zeros(l));
        let mut i = 0;
        let mut want = 1u64;
        for (k, cuts) in axes.iter().enumerate() {
            want *= 1 + cuts.iter().filter(|&&a| a > -1.0 && a < 1.0).count() as u64;
            for &a in cuts.iter() {
                w[[k, i]] = 1.0;
                b[i] = -a;
                i += 1;
            }
        }
        assert_eq!(want, 4 * 2 * 2 * 2 * 2 * 2 * 2 * 2 * 2);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), want);
        // The same cuts seen from a box four times larger and shifted (every decision at another scale).
        let lo = Array1::from_elem(9, -1.0);
        let hi = Array1::from_elem(9, 1.0);
        let c = regions_in_box(w.view(), b.view(), lo.view(), hi.view(), &WindowOptions::default()).unwrap();
        assert_eq!(c.regions, want);
        assert_eq!(c.increments.iter().sum::<u64>() + 1, want);
    }

    #[test]
    fn lines_through_one_point_and_lines_2_to_the_minus_40_apart_are_told_apart() {
        // Three lines through (0.5, 0.5) exactly, and the same with the third moved 2^-40 along x: the float
        // positions along the first line agree within rounding in both; the exact test tells them apart.
        let (w, b) = planes(&[&[1.0, 0.0, 0.5], &[0.0, 1.0, 0.5], &[1.0, 1.0, 1.0]]);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 1 + 3 + 2);
        let (w, b) = planes(&[&[1.0, 0.0, 0.5], &[0.0, 1.0, 0.5], &[1.0, 1.0, 1.0 + 2f64.powi(-40)]]);
        assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 1 + 3 + 3);
    }

    /// Two points `2^-46` apart on the line `y = 1/2` (within each other's rounding), three lines through each (`y =
    /// 1/2`, `x = a`, `x + y = a + 1/2` at `a = 1/2` and `a = 1/2 + 2^-46`): the pairs of the two points' other lines
    /// are parallel or meet at two more points, `(1/2, 1/2 + 2^-46)` and `(1/2 + 2^-46, 1/2 - 2^-46)`. By the count of
    /// a line arrangement, `1 + lines + sum over the points of (lines through it - 1)`: `1 + 5 + 2 + 2 + 1 + 1`; a
    /// point of the second class compared with the first class's exact point counted a third point. In every order.
    #[test]
    fn two_classes_of_coinciding_points_within_rounding_of_each_other_are_two_points() {
        let a = 0.5 + 2f64.powi(-46);
        let rows: [&[f64]; 5] =
            [&[1.0, 0.0, 0.5], &[1.0, 1.0, 1.0], &[1.0, 0.0, a], &[1.0, 1.0, a + 0.5], &[0.0, 1.0, 0.5]];
        let perms =
            [[0, 1, 2, 3, 4], [1, 0, 3, 2, 4], [2, 0, 3, 1, 4], [0, 2, 1, 3, 4], [4, 3, 2, 1, 0], [3, 4, 0, 2, 1]];
        for order in perms {
            let (w, b) = planes(&order.map(|i| rows[i]));
            assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 12, "order {order:?}");
        }
    }

    /// Lines through one point at angles of `2^-20` and less to each other: their float positions along the first
    /// disagree by far more than one rounding (the error grows as the angle shrinks), and still they are one point.
    /// Through `(1/2, 1/4)` with slopes `3/4 + i 2^-20` (dyadic rows, so exactly through it), `i = 0..5`: `1 + 5 + 4`.
    #[test]
    fn lines_through_one_point_at_tiny_angles_are_one_point() {
        let rows: Vec<Vec<f64>> = (0..5)
            .map(|i| {
                let s = 0.75 + i as f64 * 2f64.powi(-20) * (1.0 + i as f64 * 0.5);
                vec![-s, 1.0, 0.25 - 0.5 * s]
            })
            .collect();
        for rev in [false, true] {
            let mut r: Vec<&[f64]> = rows.iter().map(|r| r.as_slice()).collect();
            if rev {
                r.reverse();
            }
            let (w, b) = planes(&r);
            assert_eq!(count(&w, &b, -1.0, 1.0).unwrap(), 10, "reversed: {rev}");
        }
    }

    #[test]
    fn weights_that_under_or_overflow_on_the_box_are_read_exactly() {
        // Until the exact rows, each of these was refused: "column 0 of W is too small relative to the box".
        let opts = WindowOptions::default();
        let run = |w: &Array2<f64>, b: &[f64], lo: f64, hi: f64| {
            let d = w.nrows();
            let (lo, hi) = (Array1::from_elem(d, lo), Array1::from_elem(d, hi));
            regions_in_box(w.view(), arr1(b).view(), lo.view(), hi.view(), &opts).map(|c| c.regions)
        };
        // 1e-300 x = 0 on the box (-1e-30, 1e-30): 1e-300 * 1e-30 underflows; the point x = 0 is inside.
        let w = Array2::from_elem((1, 1), 1e-300);
        assert_eq!(run(&w, &[0.0], -1e-30, 1e-30).unwrap(), 2);
        // ... and 1e-300 x = 1e-300 (x = 1) is outside it.
        assert_eq!(run(&w, &[-1e-300], -1e-30, 1e-30).unwrap(), 1);
        // 1e300 x = 0 and 1e300 y = 0 on the box (-1e10, 1e10)^2: 1e300 * 1e10 overflows; they cross at the origin.
        let w = ndarray::arr2(&[[1e300, 0.0], [0.0, 1e300]]);
        assert_eq!(run(&w, &[0.0, 0.0], -1e10, 1e10).unwrap(), 4);
        // 1e297 x + 1e308 = 0: x = -1e11, outside the box (-1e10, 1e10); with 1e299, x = -1e9, inside.
        assert_eq!(run(&Array2::from_elem((1, 1), 1e297), &[1e308], -1e10, 1e10).unwrap(), 1);
        assert_eq!(run(&Array2::from_elem((1, 1), 1e299), &[1e308], -1e10, 1e10).unwrap(), 2);
    }

    /// Largest |coordinate| of the intersection points of all d-subsets (Cramer, brute force).
    fn max_vertex(w: &Array2<f64>, b: &Array1<f64>) -> f64 {
        let (d, l) = w.dim();
        let mut t: Vec<usize> = (0..d).collect();
        let mut worst: f64 = 0.0;
        loop {
            let mut a = vec![0.0; d * d];
            let fill = |a: &mut Vec<f64>, m: Option<usize>| {
                for (r, &i) in t.iter().enumerate() {
                    for c in 0..d {
                        a[r * d + c] = if Some(c) == m { -b[i] } else { w[[c, i]] };
                    }
                }
            };
            fill(&mut a, None);
            let dd = det(d, &mut a);
            for m in 0..d {
                fill(&mut a, Some(m));
                worst = worst.max((det(d, &mut a) / dd).abs());
            }
            if !next_combination(&mut t, l) {
                return worst;
            }
        }
    }

    #[test]
    fn big_box_gives_general_position_count() {
        for (d, l, seed) in [(1, 40, 1), (2, 60, 2), (3, 25, 3), (4, 14, 4), (5, 11, 5)] {
            let (w, b) = random(d, l, seed);
            let r = 2.0 * max_vertex(&w, &b);
            assert_eq!(count(&w, &b, -r, r).unwrap(), binom_sum(l as u64, d as u64), "d={d} L={l} box {r}");
        }
    }

    /// Independent 2-D count: 1 + lines meeting the box + intersection points inside, by direct solving.
    fn brute_2d(w: &Array2<f64>, b: &Array1<f64>, lo: f64, hi: f64) -> u64 {
        let l = w.ncols();
        let inside = |x: f64| lo < x && x < hi;
        let mut r = 1u64;
        for i in 0..l {
            let corners = [(lo, lo), (lo, hi), (hi, lo), (hi, hi)];
            let vals: Vec<f64> = corners.iter().map(|&(x, y)| w[[0, i]] * x + w[[1, i]] * y + b[i]).collect();
            if vals.iter().any(|&v| v > 0.0) && vals.iter().any(|&v| v < 0.0) {
                r += 1;
            }
            for j in i + 1..l {
                let det = w[[0, i]] * w[[1, j]] - w[[1, i]] * w[[0, j]];
                let x = (-b[i] * w[[1, j]] + b[j] * w[[1, i]]) / det;
                let y = (-w[[0, i]] * b[j] + w[[0, j]] * b[i]) / det;
                if inside(x) && inside(y) {
                    r += 1;
                }
            }
        }
        r
    }

    #[test]
    fn random_2d_matches_direct_formula_and_increments_sum() {
        for seed in 0..5 {
            let (w, b) = random(2, 80, seed);
            let lo = Array1::from_elem(2, -0.7);
            let hi = Array1::from_elem(2, 0.7);
            let c = regions_in_box(w.view(), b.view(), lo.view(), hi.view(), &WindowOptions::default()).unwrap();
            assert_eq!(c.regions, brute_2d(&w, &b, -0.7, 0.7));
            assert_eq!(c.regions, 1 + c.increments.iter().sum::<u64>());
            // Increment of neuron i = pieces of its line cut by the earlier lines (0 if it misses).
            for i in 0..80 {
                let sub = regions_in_box(
                    w.slice(ndarray::s![.., ..=i]),
                    b.slice(ndarray::s![..=i]),
                    lo.view(),
                    hi.view(),
                    &WindowOptions::default(),
                )
                .unwrap();
                assert_eq!(sub.increments[..], c.increments[..=i]);
            }
        }
    }

    #[test]
    fn work_limit_is_enforced_up_front() {
        let (w, b) = random(3, 200, 7);
        let lo = Array1::from_elem(3, -1e3);
        let hi = Array1::from_elem(3, 1e3);
        let e = regions_in_box(w.view(), b.view(), lo.view(), hi.view(), &WindowOptions { tol: 1e-9, max_work: 1000 })
            .unwrap_err();
        assert!(matches!(e, CoreError::TooLarge(ref m) if m.contains("max_work=1000") && m.contains("count_regions")));
    }

    #[test]
    fn bad_arguments() {
        let w = Array2::eye(2);
        let b = Array1::zeros(2);
        let lo = arr1(&[0.0, 1.0]);
        let hi = arr1(&[1.0, 1.0]);
        assert!(regions_in_box(w.view(), b.view(), lo.view(), hi.view(), &WindowOptions::default()).is_err());
        let b3 = Array1::zeros(3);
        assert!(regions_in_box(w.view(), b3.view(), lo.view(), lo.view(), &WindowOptions::default()).is_err());
    }

    fn net_count(layers: &[(Array2<f64>, Array1<f64>)], lo: f64, hi: f64) -> CoreResult<Vec<u64>> {
        let d = layers[0].0.nrows();
        let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
        let (lo, hi) = (Array1::from_elem(d, lo), Array1::from_elem(d, hi));
        network_regions_in_box(&views, lo.view(), hi.view(), &NetworkOptions::default()).map(|c| c.per_layer)
    }

    fn random_net(widths: &[usize], d: usize, seed: u64) -> Vec<(Array2<f64>, Array1<f64>)> {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        let mut fan_in = d;
        widths
            .iter()
            .map(|&n| {
                let w = Array2::from_shape_fn((fan_in, n), |_| rng.random::<f64>() * 2.0 - 1.0);
                let b = Array1::from_shape_fn(n, |_| rng.random::<f64>() * 2.0 - 1.0);
                fan_in = n;
                (w, b)
            })
            .collect()
    }

    /// Regions of a network on the line, brute force: the gate patterns of `n` evenly spaced points, counted
    /// as runs (a pattern that comes back after another counts again: it is another region).
    fn runs_1d(layers: &[(Array2<f64>, Array1<f64>)], lo: f64, hi: f64, n: usize) -> u64 {
        let mut prev: Vec<bool> = Vec::new();
        let mut runs = 0;
        for i in 0..n {
            let x = lo + (hi - lo) * (i as f64 + 0.5) / n as f64;
            let pat = crate::activation_regions::tests::pattern_of(&[x], layers);
            if pat != prev {
                runs += 1;
                prev = pat;
            }
        }
        runs
    }

    #[test]
    fn a_network_of_one_layer_has_the_layers_regions() {
        for (d, l, seed) in [(1, 9, 1), (2, 40, 2), (3, 25, 3), (4, 14, 4), (5, 9, 5)] {
            let (w, b) = random(d, l, seed);
            let exact = count(&w, &b, -1.0, 1.0).unwrap();
            assert_eq!(net_count(&[(w, b)], -1.0, 1.0).unwrap(), vec![exact], "d={d} L={l}");
        }
    }

    #[test]
    fn a_deep_network_on_the_line_has_the_runs_of_its_patterns() {
        for seed in 0..6 {
            let layers = random_net(&[6, 5, 4], 1, 100 + seed);
            let brute = runs_1d(&layers, -2.0, 2.0, 400_000);
            assert_eq!(*net_count(&layers, -2.0, 2.0).unwrap().last().unwrap(), brute, "seed {seed}");
        }
    }

    #[test]
    fn a_network_of_two_separate_blocks_has_the_product_of_their_regions() {
        // x1 feeds block A only and (x2, x3) block B only, in every layer: a region is a pair of regions.
        for seed in 0..3 {
            let a = random_net(&[4, 3], 1, 200 + seed);
            let b = random_net(&[5, 4], 2, 300 + seed);
            let blocks: Vec<(Array2<f64>, Array1<f64>)> = a
                .iter()
                .zip(&b)
                .map(|((wa, ba), (wb, bb))| {
                    let (ra, ca, rb, cb) = (wa.nrows(), wa.ncols(), wb.nrows(), wb.ncols());
                    let mut w = Array2::zeros((ra + rb, ca + cb));
                    w.slice_mut(ndarray::s![..ra, ..ca]).assign(wa);
                    w.slice_mut(ndarray::s![ra.., ca..]).assign(wb);
                    (w, ndarray::concatenate![ndarray::Axis(0), *ba, *bb])
                })
                .collect();
            let ra = runs_1d(&a, -1.0, 1.0, 400_000);
            let rb = *net_count(&b, -1.0, 1.0).unwrap().last().unwrap();
            let rab = net_count(&blocks, -1.0, 1.0).unwrap();
            assert_eq!(*rab.last().unwrap(), ra * rb, "seed {seed}");
            assert_eq!(rab[0], count(&blocks[0].0, &blocks[0].1, -1.0, 1.0).unwrap());
        }
    }

    #[test]
    fn a_network_counts_the_same_on_any_number_of_threads_and_stops_at_max_regions() {
        let layers = random_net(&[12, 10, 8], 3, 7);
        let one =
            rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap().install(|| net_count(&layers, -1.0, 1.0));
        let two =
            rayon::ThreadPoolBuilder::new().num_threads(2).build().unwrap().install(|| net_count(&layers, -1.0, 1.0));
        let one = one.unwrap();
        assert_eq!(Ok(one.clone()), two);
        let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
        let (lo, hi) = (Array1::from_elem(3, -1.0), Array1::from_elem(3, 1.0));
        let opts = NetworkOptions { max_regions: one[2] - 1, ..NetworkOptions::default() };
        assert!(matches!(network_regions_in_box(&views, lo.view(), hi.view(), &opts), Err(CoreError::TooLarge(_))));
        let opts = NetworkOptions { max_regions: one[2], ..NetworkOptions::default() };
        assert_eq!(network_regions_in_box(&views, lo.view(), hi.view(), &opts).unwrap().per_layer, one);
    }

    #[test]
    fn max_regions_is_the_largest_count_returned_also_past_the_breadth_first_start() {
        // "Stop once more regions than max_regions are found": a count of N is returned for max_regions = N and
        // refused for N - 1, here for networks of far more regions than the breadth-first start's FRONTIER pieces
        // (the rest are split depth first, in parallel, where the count is checked piece by piece).
        for (widths, d, seed) in [(&[50][..], 2, 3u64), (&[24, 16][..], 2, 4)] {
            let layers = random_net(widths, d, seed);
            let n = *net_count(&layers, -4.0, 4.0).unwrap().last().unwrap();
            assert!(n > 2 * FRONTIER as u64, "{n}");
            let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
            let (lo, hi) = (Array1::from_elem(d, -4.0), Array1::from_elem(d, 4.0));
            let with = |max_regions| {
                let opts = NetworkOptions { max_regions, ..NetworkOptions::default() };
                network_regions_in_box(&views, lo.view(), hi.view(), &opts).map(|c| *c.per_layer.last().unwrap())
            };
            assert_eq!(with(n), Ok(n));
            assert!(matches!(with(n - 1), Err(CoreError::TooLarge(_))), "{n}");
            assert!(matches!(with(n / 2), Err(CoreError::TooLarge(_))), "{n}");
        }
    }

    #[test]
    fn max_regions_bounds_a_count_whose_last_cut_is_in_the_breadth_first_start() {
        // The lines x = 0, y = 0 and x + y = 0.5 meet pairwise inside (-1, 1)^2 (at (0, 0), (0, 0.5), (0.5, 0)):
        // 1 + 3 + 3 = 7 regions (Euler), far fewer than the breadth-first start's FRONTIER pieces, so the count
        // ends there. The 8 coordinate hyperplanes of (-1, 1)^8 cut every piece in two, layer after layer: the
        // last of them leaves 2^8 = FRONTIER orthants, the breadth-first start ends on them, and the depth-first
        // part cuts none (no count checked there). Each returned for max_regions = its count, refused below it.
        assert_eq!(FRONTIER, 256);
        let lines = (arr2(&[[1.0, 0.0, 1.0], [0.0, 1.0, 1.0]]), arr1(&[0.0, 0.0, -0.5]));
        let orthants = (Array2::eye(8), Array1::zeros(8));
        for ((w, b), n) in [(lines, 7), (orthants, 256)] {
            let views = [(w.view(), b.view())];
            let (lo, hi) = (Array1::from_elem(w.nrows(), -1.0), Array1::from_elem(w.nrows(), 1.0));
            let with = |max_regions| {
                let opts = NetworkOptions { max_regions, ..NetworkOptions::default() };
                network_regions_in_box(&views, lo.view(), hi.view(), &opts).map(|c| c.per_layer)
            };
            assert_eq!(with(n), Ok(vec![n]));
            for m in [n - 1, n / 2 + 1, n / 2, 1] {
                assert!(matches!(with(m), Err(CoreError::TooLarge(_))), "max_regions={m}: {:?}", with(m));
            }
        }
    }

    #[test]
    fn a_listed_map_whose_constant_overflows_on_the_way_is_right_on_a_box_off_the_diagonal() {
        // 1e9 relu(x - y) + 0.5 on x in [1e300, 1e300 + 2e297], y in [1.0001e300, 1.0001e300 + 2e297]: the listed
        // maps are (0, 0, 0.5) and (1e9, -1e9, 0.5) (closed form). The constant, c - (a / half) . cen in the
        // caller's coordinates, overflows on the way (1e9 * 1e300) and is summed again scaled; the centre's two
        // coordinates differ (by 1e296), so (a / half) . cen = -1e305 is not 0 and its sign counts. The slack of
        // 1e297 is the rounding of terms of 1e309 (the box-coordinate constant is -1e305).
        let (w1, b1) = (arr2(&[[1.0], [-1.0]]), arr1(&[0.0]));
        let views = [(w1.view(), b1.view())];
        let (lo, hi) = (arr1(&[1e300, 1.0001e300]), arr1(&[1e300 + 2e297, 1.0001e300 + 2e297]));
        let opts = NetworkOptions { list: true, ..NetworkOptions::default() };
        let w = arr1(&[1e9]);
        let got = network_regions_in_box_counting(
            &views,
            Some((w.view(), 0.5)),
            lo.view(),
            hi.view(),
            &opts,
            &AtomicU64::new(0),
        )
        .unwrap();
        assert_eq!(got.per_layer, vec![2]);
        for (row, p) in got.affine.chunks(3).zip(got.points.chunks(2)) {
            let want = if p[0] > p[1] { [1e9, -1e9, 0.5] } else { [0.0, 0.0, 0.5] };
            assert!((row[0] - want[0]).abs() <= 1e-15 * want[0].abs(), "{row:?} at {p:?}");
            assert!((row[1] - want[1]).abs() <= 1e-15 * want[1].abs(), "{row:?} at {p:?}");
            assert!((row[2] - want[2]).abs() <= if want[0] == 0.0 { 0.0 } else { 1e297 }, "{row:?} at {p:?}");
        }
    }

    #[test]
    fn a_listed_map_scaled_by_a_power_of_two_in_box_coordinates_comes_back_exact() {
        // Listed maps whose terms overflow in box coordinates only (summed times 2^-e there, scaled back in the
        // caller's): each case's logit is in range on its region and at the listed point, its map in closed form.
        // (a) 1e12 relu(x - y) on a box 5e299 wide per coordinate whose corner x > y is a sliver of legs 1e296
        //     (slope 2.5e311 in box coordinates: w_out carries the scaling).
        // (b) 8 relu(x - y) on x in [-4e307, 4e307], y in [4e307 - 1e306, 1.2e308 - 1e306] (rows near 2^1023: the
        //     rows carry part of it).
        // (c) seven copies of relu(x) with slope 2^1020, read by ones, on [-1, 127] (gates of 2^1020 times 64, seven
        //     of them summed: the gates carry part of it).
        let run = |w1: Array2<f64>, b1: Array1<f64>, lo: &[f64], hi: &[f64], w_out: Array1<f64>, slope: f64| {
            let views = [(w1.view(), b1.view())];
            let opts = NetworkOptions { list: true, slope, ..NetworkOptions::default() };
            let (lo, hi) = (arr1(lo), arr1(hi));
            let found = AtomicU64::new(0);
            network_regions_in_box_counting(&views, Some((w_out.view(), 0.0)), lo.view(), hi.view(), &opts, &found)
        };
        let two = || (arr2(&[[1.0], [-1.0]]), arr1(&[0.0]));
        let cases = [
            (two(), vec![1e300, 1.5e300 - 1e296], vec![1.5e300, 2e300 - 1e296], arr1(&[1e12]), 0.0),
            (two(), vec![-4e307, 4e307 - 1e306], vec![4e307, 1.2e308 - 1e306], arr1(&[8.0]), 0.0),
            ((Array2::ones((1, 7)), Array1::zeros(7)), vec![-1.0], vec![127.0], Array1::ones(7), pow2(1020)),
        ];
        for (i, ((w1, b1), lo, hi, w_out, slope)) in cases.into_iter().enumerate() {
            let d = lo.len();
            let got = run(w1, b1, &lo, &hi, w_out.clone(), slope).unwrap_or_else(|e| panic!("case {i}: {e:?}"));
            assert_eq!(got.per_layer, vec![2], "case {i}");
            for (row, p) in got.affine.chunks(d + 1).zip(got.points.chunks(d)) {
                let want: Vec<f64> = if d == 2 {
                    if p[0] > p[1] {
                        vec![w_out[0], -w_out[0], 0.0]
                    } else {
                        vec![0.0; 3]
                    }
                } else if p[0] > 0.0 {
                    vec![7.0, 0.0]
                } else {
                    vec![7.0 * slope, 0.0]
                };
                // Slopes to a rounding; the constant is 0 up to the rounding of terms 2^(e + 1020) times 2^-52.
                let slack = (0..d).map(|k| want[k].abs() * (lo[k].abs() + hi[k].abs())).sum::<f64>() * 1e-15;
                assert!((0..d).all(|k| (row[k] - want[k]).abs() <= 1e-15 * want[k].abs()), "case {i}: {row:?} {p:?}");
                assert!(row[d].abs() <= slack, "case {i}: {row:?} at {p:?}");
            }
        }
    }

    #[test]
    fn a_unit_through_the_centre_of_a_region_too_thin_to_cut_gets_the_gate_of_the_forward_pass_there() {
        // On [-1, 1]: x > 0.25 and x < 0.25 + 3e-6 leave a piece of radius 1.5e-6, whose halves (0.75e-6) are both
        // thinner than tol = 1e-6: a third unit through its centre p (x - p, found from the count of the first two)
        // does not cut it, and its gate there is that of a forward pass at the listed point p, where the unit is
        // exactly 0: off (relu(0) = 0; `pattern_of` reads z > 0).
        let q = 0.25 + 3e-6;
        let run = |w: Vec<f64>, b: Vec<f64>| {
            let (w, b) = (Array2::from_shape_vec((1, w.len()), w).unwrap(), Array1::from_vec(b));
            let opts = NetworkOptions { list: true, ..NetworkOptions::default() };
            let got = network_regions_in_box(&[(w.view(), b.view())], arr1(&[-1.0]).view(), arr1(&[1.0]).view(), &opts)
                .unwrap();
            (got, (w, b))
        };
        let (two, _) = run(vec![1.0, -1.0], vec![-0.25, q]);
        assert_eq!(two.per_layer, vec![3]);
        let i = two.patterns.chunks(2).position(|p| p == [true, true]).unwrap();
        let p = two.points[i];
        assert!(0.25 < p && p < q && two.radii[i] < 2e-6, "{two:?}");
        let (three, net) = run(vec![1.0, -1.0, 1.0], vec![-0.25, q, -p]);
        assert_eq!(three.per_layer, vec![3], "{three:?}");
        let layers = [net];
        for (x, pat) in three.points.iter().zip(three.patterns.chunks(3)) {
            assert_eq!(pat, crate::activation_regions::tests::pattern_of(&[*x], &layers), "at {x}");
        }
        assert!(three.points.contains(&p), "{three:?}");
    }

    #[test]
    fn each_listed_ball_lies_in_its_region_up_to_slivers_thinner_than_tol() {
        // The listed point and radius r are a ball inside the box and, but for slivers thinner than tol, inside its
        // region: its centre on its own side of every unit's hyperplane (the region's gate; a unit exactly 0 there
        // off), and at least r - 2 tol from it (a unit whose other side on the piece is thinner than tol does not
        // cut it, and the ball of a later program, which has no row for that unit, may reach into the sliver: by
        // less than 2 tol, the height of a ball's cap whose inscribed ball has radius tol). In box coordinates,
        // here the caller's (the box is [-1, 1]^2); each unit's pre-activation an affine map of x under the
        // region's gates (a forward pass of maps). tol = 0.01: many slivers.
        let tol = 0.01;
        let mut checked = 0;
        for seed in 0..4u64 {
            let layers = random_net(&[14, 8], 2, 40 + seed);
            let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
            let (lo, hi) = (arr1(&[-1.0, -1.0]), arr1(&[1.0, 1.0]));
            let opts = NetworkOptions { list: true, tol, ..NetworkOptions::default() };
            let got = network_regions_in_box(&views, lo.view(), hi.view(), &opts).unwrap();
            let n: usize = layers.iter().map(|(w, _)| w.ncols()).sum();
            for (i, p) in got.points.chunks_exact(2).enumerate() {
                let (r, pat) = (got.radii[i], &got.patterns[n * i..n * (i + 1)]);
                assert!(p.iter().all(|x| x.abs() + r <= 1.0 + 1e-9), "seed {seed} region {i}: {p:?} {r}");
                // Affine maps [a0, a1, c] of the inputs, then of each layer's outputs under the region's gates.
                let mut h: Vec<[f64; 3]> = vec![[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]];
                let mut u = 0;
                for (w, b) in &layers {
                    let z: Vec<[f64; 3]> = (0..w.ncols())
                        .map(|j| {
                            let mut m = [0.0, 0.0, b[j]];
                            for (k, hk) in h.iter().enumerate() {
                                (0..3).for_each(|t| m[t] += w[[k, j]] * hk[t]);
                            }
                            m
                        })
                        .collect();
                    for m in &z {
                        let (at, nrm) = (m[0] * p[0] + m[1] * p[1] + m[2], m[0].hypot(m[1]));
                        assert_eq!(at > 0.0, pat[u], "seed {seed} region {i} unit {u}");
                        let within = (r - 2.0 * tol - 1e-9) * nrm;
                        assert!(at.abs() >= within, "seed {seed} region {i} unit {u}: {} against {r}", at / nrm);
                        u += 1;
                    }
                    let gates = &pat[u - z.len()..u];
                    h = z.iter().zip(gates).map(|(m, &g)| if g { *m } else { [0.0; 3] }).collect();
                }
                checked += 1;
            }
        }
        assert!(checked > 100, "{checked}");
    }

    #[test]
    fn a_unit_wide_on_the_box_does_not_hide_a_narrow_one_from_the_exact_reading() {
        // Lines on boxes narrow in x (65 roundings of their x and more) with the line y = 0.5 first, whose weight
        // on the box (1, on y in [-1, 1]) is far larger than the others' (about the box's width in x): the box is
        // narrow for the others all the same, and their rows are read exactly: Euler's count. (The first case is
        // the one float64 constants miscounted, 4 for 3, without the line y = 0.5: see
        // `a_box_under_64_roundings_wide_is_refused_by_the_network_count_and_one_above_is_counted`.)
        let hi0 = 1.0 + 65.0 * f64::EPSILON;
        let one =
            ([1.0, -1.0], [hi0, 1.0], vec![[1.0, 1.8474111129762605e-12, -hi0], [1.0, 7.216449660063518e-15, -1.0]]);
        let mut checked = 0;
        for (lo, hi, rows) in std::iter::once(one).chain(narrow_cases(600, 52, &[65.0 / 4.0, 64.0, 1024.0])) {
            if rows.len() > 2 {
                continue;
            }
            let rows: Vec<[f64; 3]> = std::iter::once([0.0, 1.0, -0.5]).chain(rows).collect();
            let Some(want) = euler_count(&rows, lo, hi) else { continue };
            let w = Array2::from_shape_fn((2, rows.len()), |(k, i)| rows[i][k]);
            let b = Array1::from_iter(rows.iter().map(|r| r[2]));
            let views = [(w.view(), b.view())];
            let opts = NetworkOptions { tol: 1e-9, ..NetworkOptions::default() };
            let got = match network_regions_in_box(&views, arr1(&lo).view(), arr1(&hi).view(), &opts) {
                Err(CoreError::InvalidArgument(m)) if m.contains("roundings") => continue,
                other => other.unwrap(),
            };
            assert_eq!(got.per_layer, vec![want], "lo={lo:?} hi={hi:?} rows={rows:?}");
            checked += 1;
        }
        assert!(checked > 20, "{checked}");
    }

    #[test]
    fn the_listed_regions_hold_their_points_and_do_not_depend_on_the_threads() {
        // Each listed point lies inside the box and its gates, by a plain forward pass, are its region's; the same
        // list on 1 and 2 threads.
        let layers = random_net(&[9, 7, 5], 3, 11);
        let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
        let (lo, hi) = (arr1(&[-1.0, -2.0, 0.0]), arr1(&[1.0, 0.5, 3.0]));
        let opts = NetworkOptions { list: true, ..NetworkOptions::default() };
        let run = |t: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
                .install(|| network_regions_in_box(&views, lo.view(), hi.view(), &opts))
                .unwrap()
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one, two);
        for (i, p) in one.points.chunks_exact(3).enumerate() {
            assert!((0..3).all(|k| lo[k] < p[k] && p[k] < hi[k]), "{p:?}");
            let pat = crate::activation_regions::tests::pattern_of(p, &layers);
            assert_eq!(pat, one.patterns[21 * i..21 * (i + 1)], "region {i}");
        }
    }

    #[test]
    fn the_regions_split_in_parallel_are_the_same_bits_at_1_3_and_7_threads() {
        // The pieces are split breadth first until FRONTIER of them wait, then each depth first in parallel: the
        // networks of the tests above, of a few hundred regions, end before that (a core whose third thread moved
        // its points passed them). Here most of the 1000-odd regions are split in parallel, and 1, 3 (odd) and 7
        // threads must count and list them the same, bit for bit, affine maps included.
        let layers = random_net(&[60, 20], 2, 5);
        let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
        let w_out = Array1::from_shape_fn(20, |j| (j as f64 * 0.37).sin());
        let (lo, hi) = (arr1(&[-1.0, -1.0]), arr1(&[1.0, 1.0]));
        let opts = NetworkOptions { list: true, ..NetworkOptions::default() };
        let run = |t: usize| {
            let found = AtomicU64::new(0);
            let r = rayon::ThreadPoolBuilder::new().num_threads(t).build().unwrap().install(|| {
                network_regions_in_box_counting(&views, Some((w_out.view(), 0.25)), lo.view(), hi.view(), &opts, &found)
            });
            let r = r.unwrap();
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            (r.per_layer.clone(), bits(&r.points), bits(&r.radii), r.patterns.clone(), bits(&r.affine))
        };
        let one = run(1);
        assert!(one.1.len() / 2 > 4 * FRONTIER, "{} regions", one.1.len() / 2);
        assert_eq!(one.4.len(), 3 * one.1.len() / 2, "an affine map (2 weights and a bias) a region");
        for t in [3, 7] {
            assert!(run(t) == one, "{t} threads");
        }
    }

    #[test]
    fn the_listed_affine_maps_give_the_network_output_around_each_point() {
        // A plain forward pass (leaky ReLU, slope 0.1) at each listed point and at points of the ball around it
        // (radius in box units: times the box's half-width per coordinate in x) gives the listed map's value; the
        // box is off the origin and unequal per coordinate, so the maps' change of coordinates is tested too. The
        // same maps on 1 and 2 threads; none without a readout.
        let layers = random_net(&[8, 6, 4], 3, 17);
        let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
        let (w_out, b_out) = (arr1(&[0.7, -1.3, 0.4, 2.1]), -0.35);
        let (lo, hi) = (arr1(&[-1.5, 2.0, -0.25]), arr1(&[0.5, 5.0, 0.25]));
        let opts = NetworkOptions { list: true, slope: 0.1, ..NetworkOptions::default() };
        let forward = |x: &[f64]| {
            let mut h = x.to_vec();
            for (w, b) in &layers {
                h = (0..w.ncols())
                    .map(|i| {
                        let z = b[i] + (0..w.nrows()).map(|k| h[k] * w[[k, i]]).sum::<f64>();
                        if z > 0.0 {
                            z
                        } else {
                            0.1 * z
                        }
                    })
                    .collect();
            }
            b_out + h.iter().zip(&w_out).map(|(x, y)| x * y).sum::<f64>()
        };
        let run = |t: usize| {
            rayon::ThreadPoolBuilder::new()
                .num_threads(t)
                .build()
                .unwrap()
                .install(|| {
                    network_regions_in_box_counting(
                        &views,
                        Some((w_out.view(), b_out)),
                        lo.view(),
                        hi.view(),
                        &opts,
                        &AtomicU64::new(0),
                    )
                })
                .unwrap()
        };
        let (one, two) = (run(1), run(2));
        assert_eq!(one, two);
        assert_eq!(one.affine.len(), 4 * one.radii.len());
        let mut rng = rand_pcg::Pcg64::seed_from_u64(5);
        for (i, p) in one.points.chunks_exact(3).enumerate() {
            let (a, c) = (&one.affine[4 * i..4 * i + 3], one.affine[4 * i + 3]);
            for probe in 0..6 {
                let mut dir: Vec<f64> = (0..3).map(|_| rng.random::<f64>() - 0.5).collect();
                let nrm = dir.iter().map(|x| x * x).sum::<f64>().sqrt();
                let scale = if probe == 0 { 0.0 } else { 0.99 * one.radii[i] / nrm };
                for k in 0..3 {
                    dir[k] = p[k] + scale * dir[k] * 0.5 * (hi[k] - lo[k]);
                }
                let want = forward(&dir);
                let got = c + a.iter().zip(&dir).map(|(x, y)| x * y).sum::<f64>();
                assert!((got - want).abs() <= 1e-9 * (1.0 + want.abs()), "region {i}: {got} against {want}");
            }
        }
        let plain = network_regions_in_box(&views, lo.view(), hi.view(), &opts).unwrap();
        assert!(plain.affine.is_empty() && plain.patterns == one.patterns);
    }

    #[test]
    fn a_network_counts_the_same_at_any_scale() {
        // A ReLU network is positively homogeneous when every bias scales with the input: z(beta x; beta b) =
        // beta z(x; b). So the box [-beta, beta]^3 with the biases times beta has the regions of [-1, 1]^3, for
        // beta from 1e-300 to 1e300 (the weights of 1e-300 underflowed in the norm: every unit looked constant).
        let layers = random_net(&[7, 6, 5], 3, 21);
        let want = net_count(&layers, -1.0, 1.0).unwrap();
        for beta in [1e-300, 1e-150, 1e-20, 1e20, 1e150, 1e300] {
            let scaled: Vec<_> = layers.iter().map(|(w, b)| (w.clone(), b * beta)).collect();
            assert_eq!(net_count(&scaled, -beta, beta).unwrap(), want, "beta {beta:e}");
        }
        // The first layer's hyperplanes do not change when its weights and biases are scaled together.
        let first = &layers[..1];
        let want = net_count(first, -1.0, 1.0).unwrap();
        for alpha in [1e-300, 1e300] {
            let scaled = vec![(&first[0].0 * alpha, &first[0].1 * alpha)];
            assert_eq!(net_count(&scaled, -1.0, 1.0).unwrap(), want, "alpha {alpha:e}");
        }
        // A box of +-1.5e308 (its width overflowed): one layer, whose pre-activations stay finite.
        let beta = 1.5e308;
        let wide = vec![(first[0].0.clone(), &first[0].1 * beta)];
        assert_eq!(net_count(&wide, -beta, beta).unwrap(), want);
    }

    #[test]
    fn a_half_solved_on_from_the_pieces_program_has_the_ball_of_a_solve_from_scratch() {
        // The warm start (the piece's solved program and one more row) against the program of all rows solved
        // from scratch: the same largest radius, and a centre inside the half with that clearance.
        let mut rng = rand_pcg::Pcg64::seed_from_u64(31);
        for d in 1..=5 {
            for _ in 0..40 {
                let mut row = |off: f64| {
                    let mut a: Vec<f64> = (0..d).map(|_| rng.random::<f64>() * 2.0 - 1.0).collect();
                    let n = a.iter().map(|x| x * x).sum::<f64>().sqrt();
                    a.iter_mut().for_each(|x| *x /= n);
                    a.push(off * (rng.random::<f64>() - 0.2));
                    a
                };
                let cons: Vec<f64> = (0..6).flat_map(|_| row(1.0)).collect();
                let extra = row(0.8);
                let (p, vars) = ball_program(d, &cons);
                let Ok(Some((_, _, lp))) = read_ball(p.solve(), &vars, 0.0) else { continue };
                let warm = inscribed_ball(d, &lp, &vars, &cons, &extra, 0.0).unwrap();
                let all: Vec<f64> = cons.iter().chain(&extra).copied().collect();
                let (q, fresh) = ball_program(d, &all);
                let cold = read_ball(q.solve(), &fresh, 0.0).unwrap();
                match (warm, cold) {
                    (Some((c, r, _)), Some((_, r2, _))) => {
                        assert!((r - r2).abs() < 1e-9, "d={d}: {r} vs {r2}");
                        for h in all.chunks_exact(d + 1) {
                            let dot: f64 = h.iter().zip(&c).map(|(x, y)| x * y).sum();
                            assert!(dot + r <= h[d] + 1e-7, "d={d}: the centre is not {r} inside");
                        }
                    }
                    (None, None) => {}
                    (w, c) => panic!("d={d}: warm {:?} vs cold {:?}", w.map(|x| x.1), c.map(|x| x.1)),
                }
            }
        }
    }

    #[test]
    fn a_box_too_narrow_to_halve_is_refused_and_one_just_wide_enough_is_counted() {
        // x = 0 and y = 0 through the box's corner, 2x - y = 0 into it: 2 regions in any box (0, h)^2.
        let layers = [(arr2(&[[1.0, 2.0], [0.5, -1.0]]), arr1(&[0.0, 0.0]))];
        let tiny = f64::from_bits(1);
        let count = |lo: f64, hi: f64| {
            let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
            let (lo, hi) = (Array1::from_elem(2, lo), Array1::from_elem(2, hi));
            let opts = NetworkOptions { list: true, ..NetworkOptions::default() };
            network_regions_in_box_counting(
                &views,
                Some((arr1(&[1.0, 1.0]).view(), 0.0)),
                lo.view(),
                hi.view(),
                &opts,
                &AtomicU64::new(0),
            )
        };
        // half of hi - lo rounded to 0: one region, and NaN affine maps, until refused
        for (lo, hi) in [(0.0, tiny), (-tiny, tiny)] {
            let Err(CoreError::InvalidArgument(m)) = count(lo, hi) else { panic!("{:?}", count(lo, hi)) };
            assert!(m.contains("at least 1.5e-323 wide") && m.contains(&format!("lo[0]={lo:e} hi[0]={hi:e}")), "{m}");
            assert!(lo != 0.0 || m.ends_with("lo[0]=0e0 hi[0]=5e-324"), "{m}");
        }
        for (lo, hi) in [(0.0, 3.0 * tiny), (-tiny, 2.0 * tiny), (0.0, 1e-310)] {
            let c = count(lo, hi).unwrap();
            assert_eq!(c.per_layer, vec![2], "({lo:e}, {hi:e})");
            assert!(c.affine.iter().all(|v| v.is_finite()), "({lo:e}, {hi:e}): {:?}", c.affine);
        }
    }

    /// Regions of the lines `a x + b y + c = 0` (rows `[a, b, c]`) inside the open box `lo < (x, y) < hi`, by
    /// Euler's formula in exact dyadic arithmetic: `1 + lines entering + points inside`; `None` when two lines are
    /// parallel, three meet in a point or a point lies on the box's boundary (where the formula needs more care).
    fn euler_count(rows: &[[f64; 3]], lo: [f64; 2], hi: [f64; 2]) -> Option<u64> {
        let q = |x: f64| Dyadic::of(x);
        let sub = |a: &Dyadic, b: &Dyadic| a.add(&b.neg());
        let sign = |x: &Dyadic| x.m.sign();
        use num_bigint::Sign;
        let enters = |r: &[f64; 3]| {
            let v: Vec<Sign> = [(lo[0], lo[1]), (lo[0], hi[1]), (hi[0], lo[1]), (hi[0], hi[1])]
                .iter()
                .map(|&(x, y)| sign(&q(r[0]).mul(&q(x)).add(&q(r[1]).mul(&q(y))).add(&q(r[2]))))
                .collect();
            v.contains(&Sign::Plus) && v.contains(&Sign::Minus)
        };
        let inside: Vec<&[f64; 3]> = rows.iter().filter(|r| enters(r)).collect();
        let mut points = 0;
        for (i, r) in inside.iter().enumerate() {
            for s in &inside[i + 1..] {
                // x = (b_r c_s - b_s c_r) / det, y = (c_r a_s - c_s a_r) / det
                let det = sub(&q(r[0]).mul(&q(s[1])), &q(r[1]).mul(&q(s[0])));
                if det.m.is_zero() {
                    return None;
                }
                let nx = sub(&q(r[1]).mul(&q(s[2])), &q(s[1]).mul(&q(r[2])));
                let ny = sub(&q(r[2]).mul(&q(s[0])), &q(s[2]).mul(&q(r[0])));
                let pos = |n: &Dyadic, bound: f64| {
                    let v = sub(n, &det.mul(&q(bound)));
                    if det.m.sign() == Sign::Minus {
                        v.neg().m.sign()
                    } else {
                        v.m.sign()
                    }
                };
                let sides = [pos(&nx, lo[0]), -pos(&nx, hi[0]), pos(&ny, lo[1]), -pos(&ny, hi[1])];
                if sides.contains(&Sign::NoSign) {
                    return None;
                }
                points += sides.iter().all(|&x| x == Sign::Plus) as u64;
            }
        }
        let n = inside.len();
        for i in 0..n {
            for j in i + 1..n {
                for k in j + 1..n {
                    let (a, b, c) = (inside[i], inside[j], inside[k]);
                    let m = |x: &[f64; 3], y: &[f64; 3], u: usize, v: usize| {
                        sub(&q(x[u]).mul(&q(y[v])), &q(x[v]).mul(&q(y[u])))
                    };
                    let det3 =
                        q(a[0]).mul(&m(b, c, 1, 2)).add(&q(a[1]).mul(&m(b, c, 2, 0))).add(&q(a[2]).mul(&m(b, c, 0, 1)));
                    if det3.m.is_zero() {
                        return None;
                    }
                }
            }
        }
        Some(1 + n as u64 + points)
    }

    /// A box `(lo, hi)` and lines `[a, b, c]` (`a x + b y + c = 0`).
    type Case = ([f64; 2], [f64; 2], Vec<[f64; 3]>);

    /// Boxes `x in [c, c + w ulp(c)]`, `y in [-1, 1]`, `w` from `widths` times 1 to 4, and lines that cross them:
    /// nearly vertical ones through a corner's `x` tilted by `2^-3` to `2^8` box widths over the box's height,
    /// nearly horizontal ones. `n` of them.
    fn narrow_cases(n: usize, seed: u64, widths: &[f64]) -> Vec<Case> {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(seed);
        let centres = [1.0 - f64::EPSILON / 2.0, 1.0, 0.5, 7.0, -3.0, 1e8];
        (0..n)
            .map(|_| {
                let c = centres[rng.random_range(0..centres.len())];
                let w = widths[rng.random_range(0..widths.len())] * rng.random_range(1..5) as f64;
                let ulp = f64::from_bits(c.abs().to_bits() + 1) - c.abs();
                let (lo, hi) = ([c, -1.0], [c + w * ulp, 1.0]);
                let rows = (0..rng.random_range(2..7))
                    .map(|_| {
                        if rng.random::<f64>() < 0.3 {
                            [1e-3 * (rng.random::<f64>() - 0.5), 1.0, rng.random::<f64>() - 0.5]
                        } else {
                            let tilt =
                                w * ulp * 2f64.powi(rng.random_range(-3..9)) * if rng.random() { 1.0 } else { -1.0 };
                            [1.0, tilt, -(if rng.random() { lo[0] } else { hi[0] })]
                        }
                    })
                    .collect();
                (lo, hi, rows)
            })
            .collect()
    }

    #[test]
    fn a_box_narrow_for_its_coordinates_is_counted_exactly() {
        // The offsets on the box cancel from terms up to 2^53 times larger than the box: read exactly, they give
        // Euler's count (the floating-point offsets gave a wrong count in a quarter of the 1-ulp cases and a few in a
        // hundred up to 2^13 ulps).
        let mut checked = 0;
        for (lo, hi, rows) in narrow_cases(600, 50, &[1.0, 3.0, 64.0, 1024.0, 8192.0]) {
            let Some(want) = euler_count(&rows, lo, hi) else { continue };
            let w = Array2::from_shape_fn((2, rows.len()), |(k, i)| rows[i][k]);
            let b = Array1::from_iter(rows.iter().map(|r| r[2]));
            let got = regions_in_box(w.view(), b.view(), arr1(&lo).view(), arr1(&hi).view(), &WindowOptions::default())
                .unwrap();
            assert_eq!(got.regions, want, "lo={lo:?} hi={hi:?} rows={rows:?}");
            checked += 1;
        }
        assert!(checked > 150, "{checked}");
    }

    #[test]
    fn a_narrow_box_whose_first_layer_is_constant_lists_a_later_gate_exactly() {
        // Found by the `network` fuzz target (narrow 1-D mode) after 84bb87a left units constant on the box out of
        // the narrowness test: first-layer units with no weights (constants 1/3 and 0) read by three units `7 h1 +
        // 7 h2 - 7/3` on [-3, -3 + 738 roundings]. In exact arithmetic of these doubles `7 fl(1/3) - fl(7/3)` is
        // 2^-52.4 > 0 (a fused multiply-add rounds it once: its sign is exact), so the later units are active; a
        // plain float64 sum makes it 0 and listed them inactive.
        let third = 1.0 / 3.0;
        let c = -2.333333333333333;
        assert!(7.0f64.mul_add(third, c) > 0.0 && 7.0 * third + c == 0.0);
        let layers =
            [(arr2(&[[0.0, 0.0]]), arr1(&[third, 0.0])), (arr2(&[[7.0, 7.0, 7.0], [7.0, 7.0, 7.0]]), arr1(&[c, c, c]))];
        let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
        let opts = NetworkOptions { list: true, ..NetworkOptions::default() };
        let (lo, hi) = (arr1(&[-3.0]), arr1(&[-3.0 + 738.0 * 4.0 * f64::EPSILON]));
        let got = network_regions_in_box(&views, lo.view(), hi.view(), &opts).unwrap();
        assert_eq!(got.per_layer, vec![1, 1]);
        assert_eq!(got.patterns, vec![true, false, true, true, true]);
    }

    #[test]
    fn a_box_under_64_roundings_wide_is_refused_by_the_network_count_and_one_above_is_counted() {
        // 1 - 2^-53 < x < 1 holds no double: its listed point was 1.0, on the boundary.
        let layers = [(arr2(&[[1.0, 0.0], [0.0, 1.0]]), arr1(&[-1.0, 0.0]))];
        let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
        let opts = NetworkOptions { list: true, ..NetworkOptions::default() };
        let below_one = 1.0 - f64::EPSILON / 2.0;
        for (lo, hi) in [([below_one, -1.0], [1.0, 1.0]), ([-1.0, 1.0], [1.0, 1.0 + 63.0 * f64::EPSILON])] {
            let err = network_regions_in_box(&views, arr1(&lo).view(), arr1(&hi).view(), &opts).unwrap_err();
            let CoreError::InvalidArgument(m) = err else { panic!("{err:?}") };
            assert!(m.contains("the box must be at least 64 roundings of its largest coordinate"), "{m}");
            let k = (lo[0] == -1.0) as usize;
            assert!(m.contains(&format!("lo[{k}]={:e} hi[{k}]={:e}", lo[k], hi[k])), "{m}");
        }
        // Just above the limit (65 roundings of 1 or of c), against Euler's exact count of the same lines: a
        // single layer of lines in general position has no region thinner than tol here. Every listed point lies
        // strictly inside the box (its gates are those of its region: checked by a forward pass).
        // (One the floating-point constants of the first layer miscounted, 4 for 3: x = hi - 1.8e-12 y and
        // x = 1 - 7.2e-15 y meet at y = 0.0078, 0.004 box widths left of x = lo = 1, outside.)
        let hi0 = 1.0 + 65.0 * f64::EPSILON;
        let one =
            ([1.0, -1.0], [hi0, 1.0], vec![[1.0, 1.8474111129762605e-12, -hi0], [1.0, 7.216449660063518e-15, -1.0]]);
        assert_eq!(euler_count(&one.2, one.0, one.1), Some(3));
        let mut checked = 0;
        for (lo, hi, rows) in std::iter::once(one).chain(narrow_cases(600, 51, &[65.0 / 4.0, 64.0, 1024.0])) {
            let Some(want) = euler_count(&rows, lo, hi) else { continue };
            let w = Array2::from_shape_fn((2, rows.len()), |(k, i)| rows[i][k]);
            let b = Array1::from_iter(rows.iter().map(|r| r[2]));
            let views = [(w.view(), b.view())];
            let opts = NetworkOptions { list: true, tol: 1e-9, ..NetworkOptions::default() };
            let got = match network_regions_in_box(&views, arr1(&lo).view(), arr1(&hi).view(), &opts) {
                Err(CoreError::InvalidArgument(m)) if m.contains("roundings") => continue,
                other => other.unwrap(),
            };
            assert_eq!(got.per_layer, vec![want], "lo={lo:?} hi={hi:?} rows={rows:?}");
            for p in got.points.chunks_exact(2) {
                assert!((0..2).all(|k| lo[k] < p[k] && p[k] < hi[k]), "{p:?} outside lo={lo:?} hi={hi:?}");
            }
            checked += 1;
        }
        assert!(checked > 60, "{checked}");
    }

    #[test]
    fn a_second_layer_on_a_box_narrow_for_its_coordinates_cuts_where_its_roots_are() {
        // The first layer's units relu(a_j x + e_j) (a_j in [0.5, 1.5], e_j in [0, 2c]) are on throughout
        // c < x < c + w (c > 0; w 128 to 4,096 ulps of c, 85 to 4,096 roundings), so each second-layer unit
        // sum_j v_ji h_j + b_i is a line there, S_i x + T_i with S_i = sum_j v_ji a_j, T_i = sum_j v_ji e_j + b_i:
        // the regions are 1 + its distinct roots strictly inside the box, decided exactly (S_i lo + T_i and
        // S_i hi + T_i of opposite signs; two roots are one when T_i S_k = T_k S_i; dyadic arithmetic). The roots
        // lie anywhere in the box or 1 to 8 ulps of c from an end. On the box mapped onto [-1, 1] a unit's constant
        // cancels to about w from terms about c: the build before summed it in floating point, which moved its
        // root by about 1 / N of the box, and miscounted here.
        let mut rng = rand_pcg::Pcg64::seed_from_u64(51);
        let opts = NetworkOptions { tol: 1e-9, ..NetworkOptions::default() };
        let (mut checked, mut cut) = (0, 0);
        let dy = Dyadic::of;
        let sum = |xs: Vec<Dyadic>| xs.into_iter().fold(dy(0.0), |s, x| s.add(&x));
        for case in 0..300 {
            let c: f64 = [1.0, 7.0, 3.0, 0.5, 1e8, 12345.678][case % 6];
            let ulp = f64::EPSILON * 2f64.powi(c.log2().floor() as i32);
            let (lo, hi) = (c, c + ulp * [128.0, 512.0, 4096.0][case / 6 % 3]);
            let (m, n) = (1 + rng.random_range(0..4usize), 1 + rng.random_range(0..3usize));
            let a: Vec<f64> = (0..m).map(|_| 0.5 + rng.random::<f64>()).collect();
            let e: Vec<f64> = (0..m).map(|_| 2.0 * c * rng.random::<f64>()).collect();
            let v = Array2::from_shape_fn((m, n), |_| rng.random::<f64>() * 2.0 - 1.0);
            let b: Vec<f64> = (0..n)
                .map(|i| {
                    let x0 = match rng.random_range(0..3u32) {
                        0 => lo + (hi - lo) * rng.random::<f64>(),
                        1 => lo + ulp * rng.random_range(1..9i32) as f64,
                        _ => hi - ulp * rng.random_range(1..9i32) as f64,
                    };
                    -(0..m).map(|j| v[[j, i]] * (a[j] * x0 + e[j])).sum::<f64>()
                })
                .collect();
            let lines: Vec<(Dyadic, Dyadic)> = (0..n)
                .map(|i| {
                    let s = sum((0..m).map(|j| dy(v[[j, i]]).mul(&dy(a[j]))).collect());
                    let t = sum((0..m).map(|j| dy(v[[j, i]]).mul(&dy(e[j]))).chain([dy(b[i])]).collect());
                    (s, t)
                })
                .collect();
            let mut roots: Vec<usize> = Vec::new();
            for (i, (s, t)) in lines.iter().enumerate() {
                let at = |x: f64| s.mul(&dy(x)).add(t).m.sign();
                let (l, h) = (at(lo), at(hi));
                let strictly = l != h && l != num_bigint::Sign::NoSign && h != num_bigint::Sign::NoSign;
                let same = |k: &usize| t.mul(&lines[*k].0).add(&lines[*k].1.mul(s).neg()).m.is_zero();
                if strictly && !roots.iter().any(same) {
                    roots.push(i);
                }
            }
            let want = vec![1, 1 + roots.len() as u64];
            let (w1, b1) = (Array2::from_shape_vec((1, m), a.clone()).unwrap(), Array1::from_vec(e.clone()));
            let b2 = Array1::from_vec(b.clone());
            let views = [(w1.view(), b1.view()), (v.view(), b2.view())];
            let got = network_regions_in_box(&views, arr1(&[lo]).view(), arr1(&[hi]).view(), &opts).unwrap();
            assert_eq!(got.per_layer, want, "lo={lo:e} hi={hi:e} a={a:?} e={e:?} v={v:?} b={b:?}");
            checked += 1;
            cut += !roots.is_empty() as usize;
        }
        assert!(checked == 300 && cut > 200, "{checked} {cut}");
    }

    #[test]
    fn a_later_layer_beyond_float64_as_given_is_counted_rescaled() {
        // Two first-layer units near 1e8 on the box whose difference is a line with its root inside: on [0.5, 1]
        // relu(1e8 x) and relu((1e8 + 2) x - 1.5) (the plain path), on the box 512 ulps wide at 1e8 (narrow: its
        // later rows are double-doubles) relu(x) and relu((1 + 2^-20) x - 2^-20 m), m the box's middle. A
        // second-layer unit reading them with weights of 1e301 overflows as given: to infinity, or with opposite
        // signs to inf - inf = NaN (the build before counted 1 region on [0.5, 1], where there are 2; then it was
        // refused). Rescaled by 2^-1000, as region_polygons draws it, it is counted as with weights of 1e299: 2
        // regions for opposite signs (the difference's root), 1 for equal ones (the sum is positive on the box).
        let c = 1e8f64;
        let (lo, hi) = (c, c + 512.0 * f64::EPSILON * 2f64.powi(c.log2().floor() as i32));
        let boxes = [
            (0.5, 1.0, [1e8, 1e8 + 2.0], -1.5),
            (lo, hi, [1.0, 1.0 + 2f64.powi(-20)], -(lo + hi) / 2.0 * 2f64.powi(-20)),
        ];
        let opts = NetworkOptions::default();
        for (lo, hi, a, e) in boxes {
            let (w1, b1) = (arr2(&[a]), arr1(&[0.0, e]));
            for v in [[1e301, 1e301], [1e301, -1e301], [-1e301, 1e301]] {
                for scale in [1.0, 1e-2] {
                    let (w2, b2) = (arr2(&[[v[0] * scale], [v[1] * scale]]), arr1(&[0.0]));
                    let views = [(w1.view(), b1.view()), (w2.view(), b2.view())];
                    let (lo_, hi_) = (arr1(&[lo]), arr1(&[hi]));
                    if scale == 1.0 {
                        // As given its row overflows: the count reads the rescaled network.
                        let plain = count_network(&views, None, lo_.view(), hi_.view(), &opts, &AtomicU64::new(0));
                        assert!(matches!(plain, Err(CountFail::Overflow { layer: 2, .. })), "{plain:?}");
                    }
                    let got = network_regions_in_box(&views, lo_.view(), hi_.view(), &opts).map(|c| c.per_layer);
                    assert_eq!(got.unwrap(), vec![1, 1 + (v[0] != v[1]) as u64], "{lo} {v:?} {scale}");
                }
            }
        }
        // Listed with a readout of 1e-10 (carried times 2^1000): the logit 1e291 (1.5 - 2 x) left of the root at
        // 0.75 and 0 right of it, in closed form (its terms of 1e299 cancel from 1e8 times larger ones: 1e-7).
        far_units_listed(1e-10, [-2e291, 1.5e291]);
    }

    /// `relu(1e8 x)` and `relu((1e8 + 2) x - 1.5)` read by `1e301 (h1 - h2)` on [0.5, 1] (a second-layer row beyond
    /// float64 as given, counted rescaled), listed with the readout `w_out`: two regions, the logit 0 right of the
    /// root at 0.75 and `want` = `w_out 1e301 (-2, 1.5)` (as `(a, c)`) left of it, in closed form (its terms cancel
    /// from 1e8 times larger ones: to 1e-7).
    fn far_units_listed(w_out: f64, want: [f64; 2]) {
        let (w1, b1) = (arr2(&[[1e8, 1e8 + 2.0]]), arr1(&[0.0, -1.5]));
        let (w2, b2) = (arr2(&[[1e301], [-1e301]]), arr1(&[0.0]));
        let views = [(w1.view(), b1.view()), (w2.view(), b2.view())];
        let (lo, hi, w_out) = (arr1(&[0.5]), arr1(&[1.0]), arr1(&[w_out]));
        let opts = NetworkOptions { list: true, ..NetworkOptions::default() };
        let readout = Some((w_out.view(), 0.0));
        let got = network_regions_in_box_counting(&views, readout, lo.view(), hi.view(), &opts, &AtomicU64::new(0));
        let got = got.unwrap();
        assert_eq!(got.per_layer, vec![1, 2]);
        let mut maps: Vec<Vec<f64>> = got.affine.chunks(2).map(|r| r.to_vec()).collect();
        maps.sort_by(|a, b| a[0].total_cmp(&b[0]));
        assert_eq!(maps[1], vec![0.0, 0.0]);
        assert!((0..2).all(|k| ((maps[0][k] - want[k]) / want[k]).abs() < 1e-7), "{maps:?}");
    }

    #[test]
    fn what_rescaling_cannot_bring_into_float64_is_refused_naming_the_unit() {
        // 17 layers of 1e18 I_2 (below 2^60: not rescaled) then one unit reading 1e18 (h1 - h2): 1e324 on
        // [-1, 1]^2 (region_polygons refuses it too); with 1e17 the quadrants, the first cut by x = y: 5 regions.
        let chain = |k: f64| {
            let mut layers = vec![(Array2::eye(2) * k, Array1::zeros(2)); 17];
            layers.push((arr2(&[[k], [-k]]), arr1(&[0.0])));
            layers
        };
        assert_eq!(net_count(&chain(1e17), -1.0, 1.0).unwrap().last(), Some(&5));
        match net_count(&chain(1e18), -1.0, 1.0) {
            Err(CoreError::Numerical(m)) => {
                assert!(m.starts_with("the pre-activation of unit 0 of hidden layer 18 overflows float64"), "{m}")
            }
            other => panic!("{other:?}"),
        }
        // A first layer of 1e150 on a box at 1e10 read by 1e301: rescaling the first layer by 2^-498 makes the
        // second one's weights 1e451 (a unit's weights and its outgoing ones differ by more than float64 holds),
        // and as given its row is 1e461.
        let layers = vec![(arr2(&[[1e150]]), arr1(&[-1.5e160])), (arr2(&[[1e301]]), arr1(&[0.0]))];
        let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
        assert!(crate::pictures::rebalance(&views, arr1(&[]).view(), 0.0, 0.0).is_err());
        match net_count(&layers, 1e10, 2e10) {
            Err(CoreError::Numerical(m)) => assert!(m.contains("unit 0 of hidden layer 2 overflows"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_network_whose_rescaled_rows_overflow_is_counted_as_given() {
        // relu(1e-100 (x + y)) and relu(1e-100 (x - y)), read by 1e-100 (h1 - h2) = 2e-200 y where both are on, on
        // the box (-1.5e308, 1.5e308)^2: the four cones of the diagonals, the right one cut by y = 0 (5 regions).
        // Rescaled (each unit by 2^332, then the second layer's by 2^664) the two rows' y entries, 1.3e308 each,
        // add up to 2.3e308, beyond float64; as given they are 1.5e208: the count reads the network as given.
        let layers = [
            (arr2(&[[1e-100, 1e-100], [1e-100, -1e-100]]), arr1(&[0.0, 0.0])),
            (arr2(&[[1e-100], [-1e-100]]), arr1(&[0.0])),
        ];
        let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
        let (scaled, _) = crate::pictures::rebalance(&views, arr1(&[]).view(), 0.0, 0.0).unwrap().expect("far units");
        let scaled: Vec<_> = scaled.iter().map(|(w, b)| (w.view(), b.view())).collect();
        let (lo, hi) = (arr1(&[-1.5e308, -1.5e308]), arr1(&[1.5e308, 1.5e308]));
        let opts = NetworkOptions::default();
        let rescaled = count_network(&scaled, None, lo.view(), hi.view(), &opts, &AtomicU64::new(0));
        assert!(matches!(rescaled, Err(CountFail::Overflow { .. })), "{rescaled:?}");
        let found = AtomicU64::new(0);
        let got = network_regions_in_box_counting(&views, None, lo.view(), hi.view(), &opts, &found).unwrap();
        assert_eq!(got.per_layer, vec![4, 5]);
        assert_eq!(found.load(Ordering::Relaxed), 5);
        // Rescaled, the rows overflow only where both units are on (x > |y|), never on the box's half x < -1e307:
        // there the rescaled network is counted (no decision before the count, by a bound over all gates, would
        // be exact). Three regions: both off (|y| < -x), and each unit alone on beyond its diagonal, where the
        // second layer reads one sign.
        let (lo, hi) = (arr1(&[-1.5e308, -1.5e308]), arr1(&[-1e307, 1.5e308]));
        let rescaled = count_network(&scaled, None, lo.view(), hi.view(), &opts, &AtomicU64::new(0));
        assert_eq!(rescaled.unwrap().per_layer, vec![3, 3]);
    }

    #[test]
    fn a_rescaling_that_rounds_a_weight_below_the_normals_is_not_used() {
        // leaky(x - 1/2) with slope 2^996, read by 2^-996, then by 1 plus 2^994 (d = 2, the second input unread):
        // left of x = 1/2 the second unit is leaky(x - 1/2) = 2^996 (x - 1/2), the third's pre-activation 2^996 (x -
        // 1/4): lines x = 1/2 and x = 1/4, three regions on [-1, 1]^2 (closed form). Rescaling the units to weights
        // near 1 divided the third's weight 1 by 2^1990 (0 in float64), which lost the line x = 1/4 silently (two
        // regions, drawn and counted); such a rescaling is not used, and the network is counted as given.
        let p = 2f64.powi(996);
        let layers = [
            (arr2(&[[1.0], [0.0]]), arr1(&[-0.5])),
            (arr2(&[[1.0 / p]]), arr1(&[0.0])),
            (arr2(&[[1.0]]), arr1(&[p / 4.0])),
        ];
        let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
        assert!(crate::pictures::rebalance(&views, arr1(&[]).view(), p, 0.0).unwrap().is_none());
        let (lo, hi) = (arr1(&[-1.0, -1.0]), arr1(&[1.0, 1.0]));
        let opts = NetworkOptions { slope: p, ..NetworkOptions::default() };
        let got = network_regions_in_box(&views, lo.view(), hi.view(), &opts).unwrap();
        assert_eq!(got.per_layer.last(), Some(&3));
    }

    #[test]
    fn only_a_rescaled_row_beyond_float64_falls_back_to_the_network_as_given() {
        // The count falls back on the refusal of a row beyond float64 alone, by its type: another numerical error of
        // the rescaled count is the caller's (it matched the refusal by the start of its message: a reworded
        // message could have been passed over). relu(1e8 x) and relu((1e8 + 2) x - 1.5) read by 1e301 (h1 - h2)
        // and w_out = 1.2e7 on [0.5, 1]: as given the second layer's row overflows; rescaled (by 2^-1000, w_out by
        // 2^1000: 1.3e308) it does not, and the logit left of the root at 0.75 is 1.2e308 (1.5 - 2 x), in closed
        // form, whose slope -2.4e308 is beyond float64: refused, naming the listed region, not refused as given.
        let (w1, b1) = (arr2(&[[1e8, 1e8 + 2.0]]), arr1(&[0.0, -1.5]));
        let (w2, b2) = (arr2(&[[1e301], [-1e301]]), arr1(&[0.0]));
        let views = [(w1.view(), b1.view()), (w2.view(), b2.view())];
        let (lo, hi, w_out) = (arr1(&[0.5]), arr1(&[1.0]), arr1(&[1.2e7]));
        let opts = NetworkOptions { list: true, ..NetworkOptions::default() };
        let readout = Some((w_out.view(), 0.0));
        let as_given = count_network(&views, readout, lo.view(), hi.view(), &opts, &AtomicU64::new(0));
        assert!(matches!(as_given, Err(CountFail::Overflow { unit: 0, layer: 2 })), "{as_given:?}");
        let (scaled, scaled_out) =
            crate::pictures::rebalance(&views, w_out.view(), 0.0, 0.0).unwrap().expect("far units");
        assert!(scaled_out[0].is_finite() && scaled_out[0] > 1e308);
        let scaled: Vec<_> = scaled.iter().map(|(w, b)| (w.view(), b.view())).collect();
        let readout_scaled = Some((scaled_out.view(), 0.0));
        let rescaled = count_network(&scaled, readout_scaled, lo.view(), hi.view(), &opts, &AtomicU64::new(0));
        assert!(matches!(&rescaled, Err(CountFail::Core(CoreError::Numerical(m))) if m.contains("logit")));
        let got = network_regions_in_box_counting(&views, readout, lo.view(), hi.view(), &opts, &AtomicU64::new(0));
        match got {
            Err(CoreError::Numerical(m)) => assert!(m.contains("logit on listed region"), "{m}"),
            other => panic!("{other:?}"),
        }
        // With w_out = 5e6 the logit is 5e307 (1.5 - 2 x), within float64: listed, as the closed form.
        far_units_listed(5e6, [-1e308, 7.5e307]);
    }

    #[test]
    fn a_unit_scaled_by_a_power_of_two_and_its_outgoing_weights_by_the_inverse_keeps_the_count() {
        // The same function with the same gates: the count of the unscaled network, for every unit scaled by 2^k
        // with k up to the largest that keeps its weights and bias finite (about 990 on a box of +-2^30 with the
        // biases times 2^28, where many such rows are beyond float64, refused as given: the build before) and
        // down to the least that keeps its outgoing weights normal, and +-1000 and 600 where within range.
        let (mut checked, mut beyond) = (0, 0);
        let normal = |x: &f64| *x == 0.0 || (x.is_finite() && x.abs() >= f64::MIN_POSITIVE);
        for seed in 0..6u64 {
            let d = 1 + (seed % 3) as usize;
            let widths = [4, 3 + (seed % 2) as usize, 3];
            let b = 2f64.powi(30);
            let layers: Vec<_> =
                random_net(&widths, d, 500 + seed).into_iter().map(|(w, c)| (w, c * b / 4.0)).collect();
            let want = net_count(&layers, -b, b).unwrap();
            for l in 0..layers.len() {
                for j in 0..widths[l] {
                    let big = layers[l].0.column(j).iter().fold(layers[l].1[j].abs(), |m, x| m.max(x.abs()));
                    let least = match layers.get(l + 1) {
                        Some((w, _)) => w.row(j).iter().fold(f64::INFINITY, |m, x| m.min(x.abs())),
                        None => 1.0,
                    };
                    let up = 1023 - big.log2().ceil() as i32;
                    let down = -1021 - least.log2().floor() as i32;
                    for k in [up, down, 1000, -1000, 600] {
                        let s = 2f64.powi(k);
                        let mut scaled = layers.clone();
                        scaled[l].0.column_mut(j).mapv_inplace(|x| x * s);
                        scaled[l].1[j] *= s;
                        if l + 1 < scaled.len() {
                            scaled[l + 1].0.row_mut(j).mapv_inplace(|x| x / s);
                        }
                        // Within range: no entry beyond float64 or into the subnormals (another function).
                        if !scaled.iter().all(|(w, c)| w.iter().all(normal) && c.iter().all(normal)) {
                            continue;
                        }
                        let views: Vec<_> = scaled.iter().map(|(w, c)| (w.view(), c.view())).collect();
                        let (lo, hi) = (Array1::from_elem(d, -b), Array1::from_elem(d, b));
                        let opts = NetworkOptions::default();
                        let as_given = count_network(&views, None, lo.view(), hi.view(), &opts, &AtomicU64::new(0));
                        beyond += as_given.is_err() as usize;
                        let got = net_count(&scaled, -b, b).unwrap();
                        assert_eq!(got, want, "seed {seed} unit {j} of layer {} times 2^{k}", l + 1);
                        checked += 1;
                    }
                }
            }
        }
        assert!(checked >= 200 && beyond >= 50, "{checked} {beyond}");
    }

    #[test]
    fn a_listed_logit_beyond_float64_is_refused_and_terms_beyond_it_are_summed_scaled() {
        // relu(x - y) read by w_out: on [1e300, 1e300 + 1e290]^2 the logit w_out (x - y) has the bias 0, from terms
        // w_out * 1e300 that overflow for w_out = 1e9 (NaN in the build before); with w_out = 1e301 its slope does.
        let (w1, b1) = (arr2(&[[1.0], [-1.0]]), arr1(&[0.0]));
        let views = [(w1.view(), b1.view())];
        let (lo, hi) = (arr1(&[1e300, 1e300]), arr1(&[1e300 + 1e290, 1e300 + 1e290]));
        let opts = NetworkOptions { list: true, ..NetworkOptions::default() };
        let run = |w_out: f64| {
            let w = arr1(&[w_out]);
            network_regions_in_box_counting(
                &views,
                Some((w.view(), 0.0)),
                lo.view(),
                hi.view(),
                &opts,
                &AtomicU64::new(0),
            )
        };
        let got = run(1e9).unwrap();
        assert_eq!(got.per_layer, vec![2]);
        let mut maps: Vec<Vec<f64>> = got.affine.chunks(3).map(|r| r.to_vec()).collect();
        maps.sort_by(|a, b| a[0].total_cmp(&b[0]));
        assert_eq!(maps, vec![vec![0.0, 0.0, 0.0], vec![1e9, -1e9, 0.0]]);
        match run(1e301) {
            Err(CoreError::Numerical(m)) => assert!(m.contains("logit on listed region"), "{m}"),
            other => panic!("{:?}", other.map(|c| c.affine)),
        }
    }

    #[test]
    fn a_listed_map_beyond_float64_in_box_coordinates_only_is_listed_and_a_logit_beyond_it_at_its_point_is_not() {
        // On [1e300, 1.5e300]^2 (half-width 2.5e299): relu(x - y) and relu(x - y - 1e299) read by (1e9, -1e9). The
        // logit is 0 where x < y, 1e9 (x - y) below 1e308 where 0 < x - y < 1e299, and 1e308 beyond (closed
        // form): in range on every region, but in box coordinates its slope is 1e9 * 2.5e299 = 2.5e308 (inf, and
        // inf - inf where the two units meet), which the build before refused. One unit read by 1e9: its logit at
        // its region's listed point is 2.1e308, beyond float64, as decision_function finds there: refused.
        let (w1, b1) = (arr2(&[[1.0, 1.0], [-1.0, -1.0]]), arr1(&[0.0, -1e299]));
        let (lo, hi) = (arr1(&[1e300, 1e300]), arr1(&[1.5e300, 1.5e300]));
        let opts = NetworkOptions { list: true, ..NetworkOptions::default() };
        let run = |w1: &Array2<f64>, b1: &Array1<f64>, w_out: &Array1<f64>| {
            let views = [(w1.view(), b1.view())];
            let found = AtomicU64::new(0);
            network_regions_in_box_counting(&views, Some((w_out.view(), 0.0)), lo.view(), hi.view(), &opts, &found)
        };
        let got = run(&w1, &b1, &arr1(&[1e9, -1e9])).unwrap();
        assert_eq!(got.per_layer, vec![3]);
        let mut maps: Vec<Vec<f64>> = got.affine.chunks(3).map(|r| r.to_vec()).collect();
        maps.sort_by(|a, b| (a[0], a[2]).partial_cmp(&(b[0], b[2])).unwrap());
        let want = [[0.0, 0.0, 0.0], [0.0, 0.0, 1e308], [1e9, -1e9, 0.0]];
        for (m, w) in maps.iter().zip(want) {
            assert!(m.iter().zip(w).all(|(x, y)| (x - y).abs() <= 1e-15 * y.abs()), "{maps:?}");
        }
        let one = (arr2(&[[1.0], [-1.0]]), arr1(&[0.0]));
        match run(&one.0, &one.1, &arr1(&[1e9])) {
            Err(CoreError::Numerical(m)) => assert!(m.contains("at its listed point"), "{m}"),
            other => panic!("{:?}", other.map(|c| c.affine)),
        }
        // 1e8 of it is in range there: listed, its map in closed form.
        let got = run(&one.0, &one.1, &arr1(&[1e8])).unwrap();
        let mut maps: Vec<Vec<f64>> = got.affine.chunks(3).map(|r| r.to_vec()).collect();
        maps.sort_by(|a, b| a[0].total_cmp(&b[0]));
        assert_eq!(maps, vec![vec![0.0, 0.0, 0.0], vec![1e8, -1e8, 0.0]]);
    }

    #[test]
    fn a_logit_in_range_at_its_point_is_listed_when_its_slope_term_alone_is_beyond_float64() {
        // relu(x) on [1, 4] (one region, listed at 2.5) read by w_out = 1e308, b_out = -1.5e308: the logit
        // 1e308 x - 1.5e308 is 1e308 at 2.5 (closed form), in range, though 1e308 * 2.5 alone is not; the check at
        // the point summed a . p first and refused it as -inf (found by the fuzz target's readout mode). Refused
        // where the logit at the point is beyond float64: b_out = -1e307 gives 2.4e308 there.
        let (w1, b1) = (arr2(&[[1.0]]), arr1(&[0.0]));
        let views = [(w1.view(), b1.view())];
        let (lo, hi, w_out) = (arr1(&[1.0]), arr1(&[4.0]), arr1(&[1e308]));
        let opts = NetworkOptions { list: true, ..NetworkOptions::default() };
        let run = |b_out: f64| {
            let found = AtomicU64::new(0);
            network_regions_in_box_counting(&views, Some((w_out.view(), b_out)), lo.view(), hi.view(), &opts, &found)
        };
        let got = run(-1.5e308).unwrap();
        assert_eq!((got.per_layer, got.points), (vec![1], vec![2.5]));
        assert_eq!(got.affine, vec![1e308, -1.5e308]);
        match run(-1e307) {
            Err(CoreError::Numerical(m)) => assert!(m.contains("at its listed point"), "{m}"),
            other => panic!("{:?}", other.map(|c| c.affine)),
        }
    }

    #[test]
    fn a_dot_that_overflows_only_on_the_way_is_exact_also_with_entries_above_2_to_the_1022() {
        // Entries m 2^e (|m| < 2^20, e up to 1003) times small integers: every product and sum is exact once scaled,
        // so the dot, where float64 holds it, is the exact one (a Dyadic sum). With an entry above 2^1022 the scale
        // was 2^-1023, whose bits are 0: every such dot came back 0 (1e308 (x - y) listed with the bias 1e308).
        let mut rng = rand_pcg::Pcg64::seed_from_u64(7);
        let (mut checked, mut big) = (0, 0);
        for _ in 0..40000 {
            let n = rng.random_range(2..4usize);
            let w: Vec<f64> = (0..n)
                .map(|_| rng.random_range(-(1i64 << 20)..(1i64 << 20)) as f64 * 2f64.powi(rng.random_range(990..1004)))
                .collect();
            let o: Vec<f64> = (0..n).map(|_| rng.random_range(-8i64..9) as f64).collect();
            let plain: f64 = w.iter().zip(&o).map(|(a, b)| a * b).sum();
            let exact = w.iter().zip(&o).fold(Dyadic::of(0.0), |s, (a, b)| s.add(&Dyadic::of(*a).mul(&Dyadic::of(*b))));
            let want = exact.to_f64();
            if plain.is_finite() || !want.is_finite() {
                continue;
            }
            assert_eq!(scaled_dot(&w, &o), want, "{w:?} {o:?}");
            checked += 1;
            big += w.iter().any(|x| x.abs() > 2f64.powi(1022)) as usize;
        }
        assert!(checked > 200 && big > 50, "{checked} {big}");
        assert_eq!(scaled_dot(&[1e308, -1e308], &[2.0, 1.0]), 1e308);
        // A plain sum that is finite is the dot as summed (here exact: 2^-1000), not rescaled (where 2^-1000 times
        // the scale 2^-1000 is below the subnormals: 0).
        assert_eq!(scaled_dot(&[pow2(1000), -pow2(1000), pow2(-1000)], &[1.0; 3]), pow2(-1000));
    }

    #[test]
    fn a_unit_with_no_inputs_cuts_nothing() {
        // Layer 2's second unit reads nothing: a constant, whatever its bias. The first layer alone counts 4.
        let w1 = arr2(&[[1.0, 0.0], [0.0, 1.0]]);
        let b1 = arr1(&[0.0, 0.0]);
        let w2 = arr2(&[[1.0, 0.0], [-1.0, 0.0]]);
        for bias in [-1.0, 0.0, 1.0] {
            let layers = vec![(w1.clone(), b1.clone()), (w2.clone(), arr1(&[0.0, bias]))];
            // x - y = 0 cuts the quadrant where both are active only: 5 regions.
            assert_eq!(net_count(&layers, -1.0, 1.0).unwrap(), vec![4, 5]);
        }
    }

    /// [`dd_rows`] as it was until pass 54: one output at a time, summed over `j` in a scalar loop.
    pub(super) fn dd_rows_one_at_a_time(
        w: &[f64],
        b: &[f64],
        n_out: usize,
        gate: &[f64],
        pre: &[f64],
        pre_lo: &[f64],
        st: usize,
    ) -> (Vec<f64>, Vec<f64>) {
        let mut hi = vec![0.0f64; n_out * st];
        let mut lo = vec![0.0f64; n_out * st];
        for i in 0..n_out {
            for k in 0..st {
                let (mut s, mut e) = (if k + 1 == st { b[i] } else { 0.0 }, 0.0f64);
                for (j, &gj) in gate.iter().enumerate() {
                    let (g, g_lo) = two_prod(w[j * n_out + i], gj);
                    if g == 0.0 && g_lo == 0.0 {
                        continue;
                    }
                    let (c, c_lo) = (pre[j * st + k], pre_lo[j * st + k]);
                    let (p, p_lo) = two_prod(g, c);
                    let (t, t_lo) = two_sum(s, p);
                    s = t;
                    e += t_lo + p_lo + g * c_lo + g_lo * c;
                }
                (hi[i * st + k], lo[i * st + k]) = two_sum(s, e);
            }
        }
        (hi, lo)
    }

    #[test]
    fn dd_rows_side_by_side_has_the_bits_of_one_output_at_a_time() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(54);
        let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<u64>>();
        for case in 0..400 {
            let n_in = rng.random_range(1..40usize);
            let n_out = [1, 2, 3, 4, 5, 7, 8, 9, 17, 64][case % 10];
            let st = rng.random_range(2..5usize);
            // Values of mixed sizes and signs, exact zeros of either sign, ties that cancel; gates 0, 1, a slope.
            let size = rng.random_range(-40i32..40);
            let val = |rng: &mut rand_pcg::Pcg64| match rng.random_range(0..8u32) {
                0 => 0.0,
                1 => -0.0,
                2 => 1.0,
                _ => (rng.random::<f64>() * 2.0 - 1.0) * pow2(rng.random_range(-30..30) + size),
            };
            let mut w: Vec<f64> = (0..n_in * n_out).map(|_| val(&mut rng)).collect();
            if case % 3 == 0 {
                // pairs of equal and opposite terms: the sums cancel to their roundings
                for j in (1..n_in).step_by(2) {
                    for i in 0..n_out {
                        w[j * n_out + i] = -w[(j - 1) * n_out + i];
                    }
                }
            }
            let mut b: Vec<f64> = (0..n_out).map(|_| val(&mut rng)).collect();
            if case % 5 == 1 {
                // an output of zero terms and bias -0: its sum stays -0 where a term 0 added would make it +0
                for j in 0..n_in {
                    w[j * n_out] = if j % 2 == 0 { 0.0 } else { -0.0 };
                }
                b[0] = -0.0;
            }
            let slope = [0.0, 0.01, 0.1 + 2f64.powi(-40)][case % 3];
            let mut gate: Vec<f64> =
                (0..n_in).map(|_| [1.0, slope, val(&mut rng)][rng.random_range(0..3usize)]).collect();
            let mut pre: Vec<f64> = (0..n_in * st).map(|_| val(&mut rng)).collect();
            let mut pre_lo: Vec<f64> = pre.iter().map(|&p| p * f64::EPSILON * (rng.random::<f64>() - 0.5)).collect();
            if case % 7 == 3 {
                // a row beyond float64 through zero weights: skipped, not added as `0 * inf` (NaN)
                let j = rng.random_range(0..n_in);
                w[j * n_out..(j + 1) * n_out].fill(0.0);
                gate[j] = 1.0;
                pre[j * st..(j + 1) * st].fill(f64::INFINITY);
                pre_lo[j * st..(j + 1) * st].fill(0.0);
            }
            let want = dd_rows_one_at_a_time(&w, &b, n_out, &gate, &pre, &pre_lo, st);
            for got in [
                dd_rows(&w, &b, n_out, &gate, &pre, &pre_lo, st),
                dd_rows_impl(&w, &b, n_out, &gate, &pre, &pre_lo, st),
            ] {
                assert_eq!(bits(&got.0), bits(&want.0), "case {case}: hi");
                assert_eq!(bits(&got.1), bits(&want.1), "case {case}: lo");
            }
        }
    }

    /// `(hi + lo) - want` against `2^-100 bound` exactly (dyadic rationals): `true` if within.
    fn within_2_to_minus_100(hi: f64, lo: f64, want: &Dyadic, bound: &Dyadic) -> bool {
        let err = Dyadic::of(hi).add(&Dyadic::of(lo)).add(&want.neg());
        let err = Dyadic { m: BigInt::from(err.m.magnitude().clone()), e: err.e + 100 };
        bound.add(&err.neg()).m.sign() != num_bigint::Sign::Minus
    }

    #[test]
    fn dd_rows_where_a_weight_times_its_gate_overflows_are_the_exact_sums() {
        // dd_rows against the exact sum of its terms (dyadic rationals, BigInt), within 2^-100 of the sum of the
        // terms' sizes: inputs `j` whose gate (a leaky slope 2^300 to 2^900) times a weight is beyond float64 for
        // some outputs (weights up to 2^40 above the overflow) and not for others, on rows small enough for every
        // term to be in range; gates of 1 and 0; weights of 0; exact products (powers of two, `g_lo` 0); row
        // entries of 0 and `lo` parts of 0; one output and several.
        let mut rng = rand_pcg::Pcg64::seed_from_u64(59);
        let size = |x: &Dyadic| Dyadic { m: BigInt::from(x.m.magnitude().clone()), e: x.e };
        let mut overflowed = 0;
        for case in 0..400 {
            let (n_in, n_out, st) = (rng.random_range(1..4usize), rng.random_range(1..5usize), rng.random_range(2..4));
            let val = |rng: &mut rand_pcg::Pcg64, e: i32| {
                let m = if rng.random_range(0..4u32) == 0 { 1.0 } else { 1.0 + rng.random::<f64>() };
                let s = if rng.random::<bool>() { -1.0 } else { 1.0 };
                times_pow2(s * m, e)
            };
            let (mut w, mut gate) = (vec![0.0f64; n_in * n_out], vec![0.0f64; n_in]);
            let mut pre = vec![0.0f64; n_in * st];
            let mut pre_lo = vec![0.0f64; n_in * st];
            for j in 0..n_in {
                let kind = rng.random_range(0..6u32);
                let eg = rng.random_range(300..900);
                gate[j] = match kind {
                    0 => 0.0,
                    1 => 1.0,
                    _ => val(&mut rng, eg).abs(),
                };
                let big = kind >= 2;
                let mut top = -1000;
                for i in 0..n_out {
                    let ew = match (big, rng.random_range(0..6u32)) {
                        (_, 0) => continue,
                        (true, 1..=3) => rng.random_range(1024 - eg..(1064 - eg).min(1023)),
                        (true, _) => rng.random_range(-60..1020 - eg),
                        (false, _) => rng.random_range(-60..60),
                    };
                    w[j * n_out + i] = val(&mut rng, ew);
                    overflowed += usize::from(!(w[j * n_out + i] * gate[j]).is_finite());
                    top = top.max(ew + if big { eg } else { 0 });
                }
                for k in 0..st {
                    if rng.random_range(0..6u32) == 0 {
                        continue;
                    }
                    let ec = rng.random_range(-30..30) - top.max(0);
                    let c = val(&mut rng, ec);
                    pre[j * st + k] = c;
                    if rng.random_range(0..4u32) != 0 {
                        pre_lo[j * st + k] = c * f64::EPSILON * (rng.random::<f64>() - 0.5);
                    }
                }
            }
            let b: Vec<f64> = (0..n_out)
                .map(|_| {
                    let eb = rng.random_range(-60..60);
                    val(&mut rng, eb)
                })
                .collect();
            let (hi, lo) = dd_rows(&w, &b, n_out, &gate, &pre, &pre_lo, st);
            for i in 0..n_out {
                for k in 0..st {
                    let mut want = if k + 1 == st { Dyadic::of(b[i]) } else { Dyadic::of(0.0) };
                    let mut bound = size(&want);
                    for j in 0..n_in {
                        let c = Dyadic::of(pre[j * st + k]).add(&Dyadic::of(pre_lo[j * st + k]));
                        let term = Dyadic::of(w[j * n_out + i]).mul(&Dyadic::of(gate[j])).mul(&c);
                        bound = bound.add(&size(&term));
                        want = want.add(&term);
                    }
                    let o = i * st + k;
                    assert!(hi[o].is_finite() && lo[o].is_finite(), "case {case}: ({i}, {k}): {} {}", hi[o], lo[o]);
                    assert!(within_2_to_minus_100(hi[o], lo[o], &want, &bound), "case {case}: ({i}, {k})");
                }
            }
        }
        assert!(overflowed > 200, "{overflowed}");
        // A row beyond float64 read by an overflowing product (output 0: not finite) and by a weight of 0 (output 1:
        // the term is skipped, not added as 0 x inf = NaN): output 1 is 3 times its other input's row (2, 0) plus its
        // bias: (6, 1).
        let p = 2f64.powi(600);
        let (w, gate) = ([p, 0.0, 1.0, 3.0], [p, 1.0]);
        let (pre, pre_lo) = ([f64::INFINITY, f64::INFINITY, 2.0, 0.0], [0.0; 4]);
        let (hi, lo) = dd_rows(&w, &[0.0, 1.0], 2, &gate, &pre, &pre_lo, 2);
        assert!(!hi[0].is_finite(), "{hi:?}");
        assert_eq!((&hi[2..], &lo[2..]), (&[6.0, 1.0][..], &[0.0, 0.0][..]));
        // A gate of 2^1000 times weights 2^30 (beyond float64) and 1.5 2^-600 (1.5 2^400: in range, where moving
        // 2^1024 off the product would make the weight 1.5 2^-1112, below the subnormals) on a row (2^-1000, 0):
        // outputs 2^30 and 1.5 2^-600 (the closed form), the constants 0.
        let (w, gate) = ([pow2(30), 1.5 * pow2(-600)], [pow2(1000)]);
        let (hi, lo) = dd_rows(&w, &[0.0, 0.0], 2, &gate, &[pow2(-1000), 0.0], &[0.0, 0.0], 2);
        assert_eq!((hi, lo), (vec![pow2(30), 0.0, 1.5 * pow2(-600), 0.0], vec![0.0; 4]));
    }
    #[test]
    fn a_weight_the_rescaling_rounds_to_0_is_lost_also_through_the_boxs_reach() {
        // pictures' `a_weight_the_rescaling_rounds_to_0_is_lost_also_through_the_planes_reach` counted on the box
        // [-2^ue, 2^ue]^2 (pass 61, helper B): leaky slope 2^400, eye(2), then v0 = 2^we (h0 + h1) + 2^199, v1 =
        // 2^we (h0 - h1) + 2^198, we = -ue - 200; by hand 4 regions after the first layer, 10 after the second (x < 0
        // < y: v0 = 2^200 (x / 2^ue + 1/2) + 2^-200 y / 2^ue changes sign at x = -2^(ue - 1)). Rescaling v0 by 2^-199
        // rounds its weights to 0 from ue = 676, and the lost-weight check read its inputs as 2^400, not 2^1100: 4.
        let p = |k: i32| pow2(k);
        for ue in [650, 700, 720] {
            let we = -ue - 200;
            let layers = [
                (Array2::eye(2), Array1::zeros(2)),
                (arr2(&[[p(we), p(we)], [p(we), -p(we)]]), arr1(&[p(199), p(198)])),
            ];
            let views: Vec<_> = layers.iter().map(|(w, b)| (w.view(), b.view())).collect();
            let (lo, hi) = (arr1(&[-p(ue); 2]), arr1(&[p(ue); 2]));
            let opts = NetworkOptions { slope: p(400), ..NetworkOptions::default() };
            let got = network_regions_in_box(&views, lo.view(), hi.view(), &opts).unwrap();
            assert_eq!(got.per_layer, vec![4, 10], "ue = {ue}");
        }
    }
}

#[cfg(test)]
mod timing {
    use super::*;
    use ndarray::{Array1, Array2};
    use rand::{RngExt, SeedableRng};

    #[test]
    #[ignore]
    fn time_2d_1000() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(0);
        let w = Array2::from_shape_fn((2, 1000), |_| rng.random::<f64>() * 2.0 - 1.0);
        let b = Array1::from_shape_fn(1000, |_| rng.random::<f64>() * 2.0 - 1.0);
        let lo = Array1::from_elem(2, -1.0);
        let hi = Array1::from_elem(2, 1.0);
        let pool = rayon::ThreadPoolBuilder::new().num_threads(1).build().unwrap();
        pool.install(|| {
            let mut best = f64::INFINITY;
            let mut r = 0;
            for _ in 0..50 {
                let t = std::time::Instant::now();
                r = regions_in_box(w.view(), b.view(), lo.view(), hi.view(), &WindowOptions::default())
                    .unwrap()
                    .regions;
                best = best.min(t.elapsed().as_secs_f64());
            }
            eprintln!("regions {r} best {:.3} ms", best * 1e3);
        });
    }

    #[test]
    #[ignore]
    fn time_dd_rows_256() {
        let mut rng = rand_pcg::Pcg64::seed_from_u64(0);
        let (n_in, n_out, st) = (256, 256, 3);
        let w: Vec<f64> = (0..n_in * n_out).map(|_| rng.random::<f64>() - 0.5).collect();
        let b: Vec<f64> = (0..n_out).map(|_| rng.random::<f64>() - 0.5).collect();
        let gate: Vec<f64> = (0..n_in).map(|_| if rng.random::<f64>() < 0.5 { 0.0 } else { 1.0 }).collect();
        let pre: Vec<f64> = (0..n_in * st).map(|_| rng.random::<f64>() * 1e7).collect();
        let lo: Vec<f64> = pre.iter().map(|p| p * 1e-17).collect();
        // dd_rows against the scalar loop it replaced (pass 54), interleaved
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let mut x = 0.0;
            for _ in 0..1000 {
                x += dd_rows(&w, &b, n_out, &gate, &pre, &lo, st).0[5];
            }
            let new = t.elapsed().as_secs_f64() * 1e3;
            let t = std::time::Instant::now();
            for _ in 0..100 {
                x += super::tests::dd_rows_one_at_a_time(&w, &b, n_out, &gate, &pre, &lo, st).0[5];
            }
            let old = t.elapsed().as_secs_f64() * 1e4;
            eprintln!("dd_rows 256x256x3: {new:.1} us a call, one at a time {old:.1} us: {:.1}x ({x})", old / new);
        }
        for _ in 0..3 {
            let t = std::time::Instant::now();
            let mut x = 0.0;
            for _ in 0..1000 {
                x += dd_rows(&w[..n_in], &b[..1], 1, &gate, &pre, &lo, st).0[1];
            }
            eprintln!("dd_rows 256x1x3: {:.2} us a call ({x})", t.elapsed().as_secs_f64() * 1e3);
        }
    }
}
