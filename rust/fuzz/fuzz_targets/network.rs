#![no_main]
use _core::error::CoreError;
use _core::window::{
    network_regions_in_box, network_regions_in_box_counting, regions_in_box, NetworkOptions, WindowOptions,
};
use libfuzzer_sys::fuzz_target;
use ndarray::{Array1, Array2};
use num_rational::BigRational;
use num_traits::{Signed, Zero};
use std::sync::atomic::AtomicU64;
#[path = "common.rs"]
mod common;
use common::R;

fn q(x: f64) -> BigRational {
    BigRational::from_float(x).unwrap()
}

/// The pieces `(u, v, gates)` of `lo < x < hi` on which every unit of a 1-D ReLU network keeps its gate, exactly:
/// each unit's pre-activation is affine on a piece, and its root strictly inside splits it.
fn exact_pieces(layers: &[(Array2<f64>, Array1<f64>)], lo: f64, hi: f64) -> Vec<(BigRational, BigRational, Vec<bool>)> {
    let one = BigRational::from_integer(1.into());
    let mut pieces = vec![(q(lo), q(hi), vec![one], vec![BigRational::zero()], Vec::new())];
    for (w, b) in layers {
        let mut out = Vec::new();
        for (u0, v0, s, t, gates) in pieces {
            let n = b.len();
            let sl: Vec<BigRational> = (0..n).map(|i| (0..s.len()).map(|j| q(w[[j, i]]) * &s[j]).sum()).collect();
            let tl: Vec<BigRational> =
                (0..n).map(|i| (0..t.len()).map(|j| q(w[[j, i]]) * &t[j]).sum::<BigRational>() + q(b[i])).collect();
            let mut roots: Vec<BigRational> =
                (0..n).filter(|&i| !sl[i].is_zero()).map(|i| -&tl[i] / &sl[i]).filter(|x| *x > u0 && *x < v0).collect();
            roots.sort();
            roots.dedup();
            let ends: Vec<BigRational> = std::iter::once(u0).chain(roots).chain(std::iter::once(v0)).collect();
            for k in 0..ends.len() - 1 {
                let mid = (&ends[k] + &ends[k + 1]) / BigRational::from_integer(2.into());
                let on: Vec<bool> = (0..n).map(|i| &sl[i] * &mid + &tl[i] > BigRational::zero()).collect();
                let pick = |x: &Vec<BigRational>| -> Vec<BigRational> {
                    x.iter().zip(&on).map(|(v, &o)| if o { v.clone() } else { BigRational::zero() }).collect()
                };
                let mut g = gates.clone();
                g.extend(&on);
                out.push((ends[k].clone(), ends[k + 1].clone(), pick(&sl), pick(&tl), g));
            }
        }
        pieces = out;
    }
    pieces.into_iter().map(|(u, v, _, _, g)| (u, v, g)).collect()
}

/// A 1-D network on a box near the narrow limit ([`_core::window::MIN_WIDTH_ULPS`] roundings of its largest
/// coordinate): below it the count must be refused, naming the limit; above it the count after each layer must be
/// the exact one (when no exact piece is thinner than 10^-5 of the box, against `tol` = 1e-9), and every listed point
/// must lie in its own piece when that piece is more than 4 ulps across.
fn narrow(r: &mut R, readout_mode: bool) {
    let c = [1.0, 7.0, -3.0, 0.5, 1e8, 0.9999999999999999, 12345.678, r.finite()][(r.u8() % 8) as usize];
    // (Values beyond 1e+-100 can underflow below the least subnormal on the box: the gates of a unit of values
    // about 1e-351 are then those of 0, off, where the exact sign is on.)
    if !(1e-100..=1e100).contains(&c.abs()) {
        return;
    }
    // 56 to 71 roundings (both sides of 64), or up to about 4,100.
    let m = if r.u8() % 2 == 0 { 56.0 + (r.u8() % 16) as f64 } else { 56.0 + 16.0 * r.u8() as f64 };
    let (lo, hi) = (c, c + m * f64::EPSILON * c.abs());
    if !(hi > lo) {
        return;
    }
    let nl = 1 + (r.u8() % 3) as usize;
    let mut ws: Vec<(Array2<f64>, Array1<f64>)> = Vec::new();
    let mut fan = 1;
    for l in 0..nl {
        let n = 1 + (r.u8() % 3) as usize;
        let w = Array2::from_shape_fn((fan, n), |_| r.finite());
        let mut b = Array1::<f64>::zeros(n);
        for i in 0..n {
            let how = r.u8();
            if l == 0 && how % 3 == 0 {
                b[i] = r.finite(); // about anything: on or off throughout, mostly
                continue;
            }
            // A root at a point of the box (up to the rounding of the forward pass)
            let x0 = lo + (hi - lo) * (1 + how as u32 % 255) as f64 / 256.0;
            let mut h = Array1::from_elem(1, x0);
            for (wk, bk) in &ws {
                h = (h.dot(wk) + bk).mapv(|v: f64| v.max(0.0));
            }
            b[i] = -h.dot(&w.column(i));
        }
        if w.iter().chain(b.iter()).any(|x| !x.is_finite() || (x.abs() < 1e-100 && *x != 0.0) || x.abs() > 1e100) {
            return;
        }
        ws.push((w, b));
        fan = n;
    }
    let layers: Vec<_> = ws.iter().map(|(w, b)| (w.view(), b.view())).collect();
    let opts = NetworkOptions { tol: 1e-9, max_regions: 5000, slope: 0.0, list: true };
    let (alo, ahi) = (Array1::from_elem(1, lo), Array1::from_elem(1, hi));
    if readout_mode {
        readout(r, &ws, &alo, &ahi, &opts);
    }
    let res = network_regions_in_box(&layers, alo.view(), ahi.view(), &opts);
    let least = _core::window::MIN_WIDTH_ULPS * f64::EPSILON * lo.abs().max(hi.abs());
    if hi - lo < least {
        match res {
            Err(CoreError::InvalidArgument(m)) => assert!(m.contains("roundings of its largest coordinate"), "{m}"),
            other => panic!("a box under the limit was not refused: {other:?} lo={lo:e} hi={hi:e}"),
        }
        stat("refused");
        return;
    }
    let got = match res {
        Ok(g) => g,
        Err(CoreError::TooLarge(_)) | Err(CoreError::Numerical(_)) => return,
        Err(e) => panic!("a box above the limit was refused: {e:?} lo={lo:e} hi={hi:e}"),
    };
    let pieces = exact_pieces(&ws, lo, hi);
    let width = q(hi) - q(lo);
    let thin = pieces.iter().map(|(u, v, _)| v - u).min().unwrap();
    if thin * BigRational::from_integer(100_000.into()) < width {
        stat("taken, a piece too thin to compare");
        return;
    }
    let curve: Vec<u64> = (1..=nl).map(|k| exact_pieces(&ws[..k], lo, hi).len() as u64).collect();
    assert_eq!(got.per_layer, curve, "lo={lo:e} hi={hi:e} ws={ws:?}");
    let ulp = q(f64::EPSILON) * q(2f64.powi(lo.abs().max(hi.abs()).log2().floor() as i32));
    let total: usize = ws.iter().map(|(_, b)| b.len()).sum();
    for (x, gates) in got.points.iter().zip(got.patterns.chunks(total)) {
        let Some((u, v, _)) = pieces.iter().find(|(_, _, g)| g.as_slice() == gates) else {
            let all: Vec<_> = pieces.iter().map(|(u, v, g)| (u.to_string(), v.to_string(), g)).collect();
            panic!("listed pattern {gates:?} at {x:e} is no piece's: {all:?} lo={lo:e} hi={hi:e} ws={ws:?}");
        };
        let x = q(*x);
        assert!(
            (x > *u && x < *v) || v - u <= &ulp * BigRational::from_integer(4.into()),
            "point {x} outside its piece ({u}, {v}): lo={lo:e} hi={hi:e} ws={ws:?}"
        );
    }
    stat(if curve[nl - 1] > curve[0] { "checked, a later layer cutting" } else { "checked" });
}

/// With `NNP_FUZZ_STATS` set (replaying a corpus), say what became of a narrow box.
fn stat(what: &str) {
    if std::env::var_os("NNP_FUZZ_STATS").is_some() {
        eprintln!("narrow: {what}");
    }
}

/// With `NNP_FUZZ_STATS` set, say what became of a readout.
fn rstat(what: &str) {
    if std::env::var_os("NNP_FUZZ_STATS").is_some() {
        eprintln!("readout: {what}");
    }
}

type Q = BigRational;

/// The activation: `z` where `z > 0`, else `slope z`.
fn act(z: &Q, on: bool, slope: &Q) -> Q {
    if on {
        z.clone()
    } else {
        slope * z
    }
}

/// An exact forward pass at `x`: every hidden unit's pre-activation (layer by layer) and the logit.
fn exact_forward(ws: &[(Array2<f64>, Array1<f64>)], w_out: &[f64], b_out: f64, slope: &Q, x: &[Q]) -> (Vec<Q>, Q) {
    let mut h = x.to_vec();
    let mut zs = Vec::new();
    for (w, b) in ws {
        let z: Vec<Q> =
            (0..w.ncols()).map(|i| (0..w.nrows()).map(|k| q(w[[k, i]]) * &h[k]).sum::<Q>() + q(b[i])).collect();
        h = z.iter().map(|v| act(v, v.is_positive(), slope)).collect();
        zs.extend(z);
    }
    let logit = w_out.iter().zip(&h).map(|(w, v)| q(*w) * v).sum::<Q>() + q(b_out);
    (zs, logit)
}

/// The sizes a float64 forward pass rounds against: the same pass of absolute values from the input `m`, every
/// gate at `s = max(1, |slope|)`: each unit's (its pre-activation's terms) and the logit's.
fn sizes(ws: &[(Array2<f64>, Array1<f64>)], w_out: &[f64], b_out: f64, s: &Q, m: &[Q]) -> (Vec<Q>, Q) {
    let mut h = m.to_vec();
    let mut zs = Vec::new();
    for (w, b) in ws {
        let z: Vec<Q> = (0..w.ncols())
            .map(|i| (0..w.nrows()).map(|k| q(w[[k, i]].abs()) * &h[k]).sum::<Q>() + q(b[i].abs()))
            .collect();
        h = z.iter().map(|v| s * v).collect();
        zs.extend(z);
    }
    let out = w_out.iter().zip(&h).map(|(w, v)| q(w.abs()) * v).sum::<Q>() + q(b_out.abs());
    (zs, out)
}

/// The logit on the region of gates `pattern` as the exact affine map `(a, c)` of the input (`d + 1` entries), and
/// the sizes of its terms (the same sums of absolute values).
fn exact_map(
    ws: &[(Array2<f64>, Array1<f64>)],
    w_out: &[f64],
    b_out: f64,
    slope: &Q,
    pattern: &[bool],
    d: usize,
) -> (Vec<Q>, Vec<Q>) {
    // Rows (a, c) of the layer's outputs h = gate * z, exact and of absolute values; the input is the identity.
    let unit = |k: usize| -> Vec<Q> { (0..=d).map(|j| Q::from_integer(((j == k) as i32).into())).collect() };
    let mut h: Vec<Vec<Q>> = (0..d).map(unit).collect();
    let mut h_abs = h.clone();
    let mut at = 0;
    for (w, b) in ws {
        let (mut nh, mut nh_abs) = (Vec::new(), Vec::new());
        for i in 0..w.ncols() {
            let mut row: Vec<Q> = vec![Q::zero(); d + 1];
            let mut row_abs = row.clone();
            for k in 0..w.nrows() {
                let (x, xa) = (q(w[[k, i]]), q(w[[k, i]].abs()));
                for j in 0..=d {
                    row[j] += &x * &h[k][j];
                    row_abs[j] += &xa * &h_abs[k][j];
                }
            }
            row[d] += q(b[i]);
            row_abs[d] += q(b[i].abs());
            let g = if pattern[at + i] { Q::from_integer(1.into()) } else { slope.clone() };
            nh.push(row.iter().map(|v| v * &g).collect());
            nh_abs.push(row_abs.iter().map(|v| v * g.abs()).collect());
        }
        at += w.ncols();
        (h, h_abs) = (nh, nh_abs);
    }
    let mut a: Vec<Q> = vec![Q::zero(); d + 1];
    let mut a_abs = a.clone();
    for (k, &wk) in w_out.iter().enumerate() {
        for j in 0..=d {
            a[j] += q(wk) * &h[k][j];
            a_abs[j] += q(wk.abs()) * &h_abs[k][j];
        }
    }
    a[d] += q(b_out);
    a_abs[d] += q(b_out.abs());
    (a, a_abs)
}

/// The most a rounding of `2^-1074` (an underflow) in any unit's pre-activation moves the logit: the largest gain
/// `gamma_j = s sum_i |W'[j, i]| gamma_i` (through the next layer; `s |w_out_j|` for the last), at least 1, of the
/// network as given and as the core rescales it (units of weights beyond `2^+-60` times a power of two, their
/// outgoing weights divided by it: the same function).
fn underflow_gain(ws: &[(Array2<f64>, Array1<f64>)], w_out: &[f64], s: &Q) -> Q {
    let gain = |ws: &[(Array2<f64>, Array1<f64>)], w_out: &[f64]| -> Q {
        let mut g: Vec<Q> = w_out.iter().map(|w| s * q(w.abs())).collect();
        let mut most = g.iter().fold(Q::from_integer(1.into()), |m, v| if *v > m { v.clone() } else { m });
        for (w, _) in ws[1..].iter().rev() {
            g = (0..w.nrows()).map(|j| s * (0..w.ncols()).map(|i| q(w[[j, i]].abs()) * &g[i]).sum::<Q>()).collect();
            most = g.iter().fold(most, |m, v| if *v > m { v.clone() } else { m });
        }
        most
    };
    let mut reb: Vec<(Array2<f64>, Array1<f64>)> = ws.to_vec();
    let mut out = w_out.to_vec();
    for l in 0..reb.len() {
        for j in 0..reb[l].1.len() {
            let size = reb[l].0.column(j).iter().fold(reb[l].1[j].abs(), |m, x| m.max(x.abs()));
            if size > 0.0 && !(2f64.powi(-60)..=2f64.powi(60)).contains(&size) {
                let e = (-size.log2().round_ties_even()).clamp(-1000.0, 1000.0) as i32;
                let (up, down) = (2f64.powi(e), 2f64.powi(-e));
                reb[l].0.column_mut(j).mapv_inplace(|x| x * up);
                reb[l].1[j] *= up;
                if l + 1 < reb.len() {
                    reb[l + 1].0.row_mut(j).mapv_inplace(|x| x * down);
                } else {
                    out[j] *= down;
                }
            }
        }
    }
    let (a, b) = (
        gain(ws, w_out),
        if reb.iter().all(|(w, b)| w.iter().chain(b).all(|v| v.is_finite())) && out.iter().all(|v| v.is_finite()) {
            gain(&reb, &out)
        } else {
            Q::zero()
        },
    );
    if a > b {
        a
    } else {
        b
    }
}

/// Readout mode: the same network listed with an output layer `(w_out, b_out)`. Checked against exact (rational)
/// arithmetic, independent of the code under test: with the sizes `M` of [`sizes`] (absolute values from
/// `m = max(|lo|, |hi|)`), `n` the terms summed along the way (`d + sum (fan_in + 1) + ... `) and `u` = 2^-53,
/// - the count equals the count without a readout (when both are taken), and a refusal other than the logit's is
///   the count's without a readout, alike in kind and message;
/// - every returned number is finite, one map of `d + 1` for each listed region;
/// - at each listed point `p`, each unit's gate is the exact forward pass's, but where its pre-activation is within
///   `2 n u M_unit + F` of 0 (the rounding of the core's rows and of `p`);
/// - the listed map at `p` (evaluated exactly) is within `2 n (units + 2) u M_logit + F` of the exact logit at `p`
///   (the rounding, plus every gate left to the rounding flipped); a logit beyond float64 there must have been
///   refused. `F = 4 n (units + 2) 2^-1074 (G (1 + sum_k m_k / half_k) + sum_k m_k)` bounds the underflows: `G`
///   from [`underflow_gain`], `half_k` the box's half-width (a map's slope is its row in box coordinates over it),
///   and the listed slope's own rounding to the subnormal grid, times `|p_k|`;
/// - a refusal of a logit beyond float64 is one: some region of the listing without a readout has its exact map
///   or its exact logit at its point within that rounding of float64's largest.
fn readout(r: &mut R, ws: &[(Array2<f64>, Array1<f64>)], lo: &Array1<f64>, hi: &Array1<f64>, opts: &NetworkOptions) {
    let d = lo.len();
    let last = ws.last().unwrap().1.len();
    // (Once the bytes run out, 1, -2, 3, -4 and 0.5, not zeros: a readout of 0 would check little.)
    let mut draw = |dflt: f64| if r.b.is_empty() { dflt } else { r.finite() };
    let w_out: Vec<f64> = (0..last).map(|j| draw([1.0, -2.0, 3.0, -4.0][j % 4])).collect();
    let b_out = draw(0.5);
    let opts = NetworkOptions { list: true, max_regions: 300, ..*opts };
    let layers: Vec<_> = ws.iter().map(|(w, b)| (w.view(), b.view())).collect();
    let wo = Array1::from_vec(w_out.clone());
    let found = AtomicU64::new(0);
    let got = network_regions_in_box_counting(&layers, Some((wo.view(), b_out)), lo.view(), hi.view(), &opts, &found);
    let plain = network_regions_in_box(&layers, lo.view(), hi.view(), &opts);
    if ws.iter().flat_map(|(w, b)| w.iter().chain(b)).chain(lo).chain(hi).chain(&[opts.slope]).any(|v| !v.is_finite()) {
        assert!(matches!(got, Err(CoreError::InvalidArgument(_))), "not refused: {got:?}");
        return;
    }
    let total: usize = ws.iter().map(|(_, b)| b.len()).sum();
    let n = d + ws.iter().map(|(w, _)| w.nrows() + 1).sum::<usize>() + last + 1 + d + 2;
    let eps = q(f64::EPSILON / 2.0);
    let k_unit = Q::from_integer((2 * n).into()) * &eps;
    let k_out = Q::from_integer((2 * n * (total + 2)).into()) * &eps;
    let slope = q(opts.slope);
    let s = if opts.slope.abs() > 1.0 { q(opts.slope.abs()) } else { Q::from_integer(1.into()) };
    let m: Vec<Q> = (0..d).map(|k| q(lo[k].abs().max(hi[k].abs()))).collect();
    let (unit_sizes, out_size) = sizes(ws, &w_out, b_out, &s, &m);
    // Underflows: a rounding of 2^-1074 in a box coordinate's row, moved by the gain, over the box's half-width.
    let widths: Q = (0..d)
        .map(|k| (0.5 * hi[k] - 0.5 * lo[k], &m[k]))
        .map(|(h, m)| if h > 0.0 { m / q(h) } else { Q::zero() })
        .sum();
    // And a listed slope is a double: below the least subnormal it rounds by up to 2^-1075, times |p_k| at p.
    let reach: Q = m.iter().sum();
    let floor = Q::from_integer((4 * n * (total + 2)).into())
        * q(f64::from_bits(1))
        * (underflow_gain(ws, &w_out, &s) * (Q::from_integer(1.into()) + widths) + reach);
    let tol_out = &k_out * &out_size + &floor;
    let big = q(f64::MAX);
    let c = match got {
        Ok(c) => c,
        Err(CoreError::InvalidArgument(e)) => {
            assert!(matches!(plain, Err(CoreError::InvalidArgument(_))), "refused with a readout only: {e}");
            return;
        }
        Err(CoreError::Numerical(e)) if e.contains("logit on listed region") => {
            let Ok(p) = plain else {
                rstat("refused a logit, the count without a readout refused");
                return;
            };
            // Some region's exact logit beyond float64, as a map or at its point (up to the rounding).
            let justified = p.points.chunks(d).zip(p.patterns.chunks(total)).any(|(x, pat)| {
                let x: Vec<Q> = x.iter().map(|v| q(*v)).collect();
                let (a, a_abs) = exact_map(ws, &w_out, b_out, &slope, pat, d);
                let spread: Q = (0..d).map(|k| &a_abs[k] * &m[k]).sum::<Q>() + &a_abs[d];
                let over = |v: &Q, size: &Q| v.abs() + &k_out * size >= big;
                let (_, at) = exact_forward(ws, &w_out, b_out, &slope, &x);
                (0..d).any(|k| over(&a[k], &a_abs[k])) || over(&a[d], &spread) || over(&at, &out_size)
            });
            assert!(
                justified,
                "refused a logit within float64: {e} lo={lo} hi={hi} ws={ws:?} w_out={w_out:?} {b_out:e}"
            );
            rstat("refused a logit beyond float64");
            return;
        }
        Err(e) => {
            // Any other refusal is the hidden layers' (the readout only adds the listed maps): the count without
            // a readout, on the same network, box and options, must refuse alike.
            match &plain {
                Err(pe) => assert_eq!(
                    (std::mem::discriminant(&e), e.to_string()),
                    (std::mem::discriminant(pe), pe.to_string()),
                    "refused otherwise with a readout: lo={lo} hi={hi} ws={ws:?} w_out={w_out:?} {b_out:e}"
                ),
                Ok(_) => panic!("refused with a readout only: {e} lo={lo} hi={hi} ws={ws:?} w_out={w_out:?} {b_out:e}"),
            }
            rstat(&format!("refused alike: {}", e.to_string().chars().take(40).collect::<String>()));
            return;
        }
    };
    match &plain {
        Ok(p) => {
            assert_eq!(
                c.per_layer, p.per_layer,
                "with and without a readout: lo={lo} hi={hi} ws={ws:?} w_out={w_out:?}"
            );
            if p.patterns != c.patterns {
                rstat("another listing without the readout");
            }
        }
        Err(e) => {
            rstat(&format!("taken, refused without a readout: {}", e.to_string().chars().take(40).collect::<String>()))
        }
    }
    let regions = *c.per_layer.last().unwrap() as usize;
    assert_eq!(c.points.len(), regions * d);
    assert_eq!(c.patterns.len(), regions * total);
    assert_eq!(c.affine.len(), regions * (d + 1), "lo={lo} hi={hi} ws={ws:?}");
    assert!(
        c.points.iter().chain(&c.radii).chain(&c.affine).all(|v| v.is_finite()),
        "a number not finite: {c:?} lo={lo} hi={hi} ws={ws:?} w_out={w_out:?} b_out={b_out:e}"
    );
    // (Some gate of a listed point within the rounding of 0, left unchecked; some logit more than 1e6 bounds from 0.)
    let (mut loose, mut tight) = (false, false);
    for (i, ((p, pat), row)) in c.points.chunks(d).zip(c.patterns.chunks(total)).zip(c.affine.chunks(d + 1)).enumerate()
    {
        let x: Vec<Q> = p.iter().map(|v| q(*v)).collect();
        let (zs, want) = exact_forward(ws, &w_out, b_out, &slope, &x);
        for (j, ((z, &bit), size)) in zs.iter().zip(pat).zip(&unit_sizes).enumerate() {
            loose |= z.abs() <= &k_unit * size + &floor;
            assert!(
                z.is_positive() == bit || z.abs() <= &k_unit * size + &floor,
                "region {i} at {p:?}: unit {j} listed {bit}, its pre-activation {} (size {}): lo={lo} hi={hi} \
                 slope={:e} ws={ws:?}",
                ratio(z),
                ratio(size),
                opts.slope
            );
        }
        assert!(
            want.abs() <= &big + &tol_out,
            "region {i}: a logit of {} listed at {p:?} (beyond float64): lo={lo} hi={hi} ws={ws:?} w_out={w_out:?} \
             b_out={b_out:e}",
            ratio(&want)
        );
        tight |= &tol_out * Q::from_integer(1_000_000.into()) < want.abs();
        let at = (0..d).map(|k| q(row[k]) * &x[k]).sum::<Q>() + q(row[d]);
        assert!(
            (&at - &want).abs() <= tol_out,
            "region {i}: the map {row:?} at {p:?} gives {:e}, the network {:e} (bound {:e}): lo={lo} hi={hi} \
             slope={:e} ws={ws:?} w_out={w_out:?} b_out={b_out:e} pattern={pat:?}",
            ratio(&at),
            ratio(&want),
            ratio(&tol_out),
            opts.slope
        );
    }
    rstat(&format!(
        "checked{}{}{}",
        if regions > 1 { "" } else { ", one region" },
        if loose { ", a gate within rounding" } else { "" },
        if tight { "" } else { ", no logit 1e6 bounds from 0" }
    ));
}

/// A rational as the nearest double (infinite beyond float64; for messages).
fn ratio(x: &Q) -> f64 {
    use num_traits::ToPrimitive;
    x.to_f64().unwrap_or(f64::NAN)
}

fuzz_target!(|data: &[u8]| {
    let mut r = R { b: data };
    let mode = r.u8();
    if mode & 16 != 0 {
        narrow(&mut r, mode & 32 != 0);
        return;
    }
    let nice = mode & 1 == 0;
    let d = 1 + (r.u8() % 3) as usize;
    let nl = 1 + (r.u8() % 3) as usize;
    let ws = r.layers(d, nl, 4, nice, true);
    let lo = Array1::from_elem(d, if nice { -1.0 } else { r.f() });
    let hi = Array1::from_elem(d, if nice { 1.0 + (r.u8() % 2) as f64 } else { r.f() });
    let slope = if mode & 2 == 0 { 0.0 } else { r.f() };
    let tol = if mode & 4 == 0 { 1e-6 } else { r.f().abs() };
    let layers: Vec<_> = ws.iter().map(|(w, b)| (w.view(), b.view())).collect();
    let opts = NetworkOptions { tol, max_regions: 5000, slope, list: mode & 8 != 0 };
    if mode & 32 != 0 {
        readout(&mut r, &ws, &lo, &hi, &opts);
    }
    let c = match network_regions_in_box(&layers, lo.view(), hi.view(), &opts) {
        Ok(c) => c,
        Err(CoreError::InvalidArgument(_)) | Err(CoreError::TooLarge(_)) | Err(CoreError::Numerical(_)) => return,
        Err(e) => panic!("unexpected {e:?}"),
    };
    assert_eq!(c.per_layer.len(), nl);
    for k in 1..nl {
        assert!(c.per_layer[k] >= c.per_layer[k - 1], "per_layer {:?}", c.per_layer);
    }
    if opts.list && (0..d).all(|k| hi[k] - lo[k] > 1e-12 * lo[k].abs().max(hi[k].abs())) {
        let n = *c.per_layer.last().unwrap() as usize;
        assert_eq!(c.radii.len(), n);
        assert_eq!(c.points.len(), n * d);
        for (i, p) in c.points.chunks(d).enumerate() {
            for k in 0..d {
                assert!(
                    p[k] > lo[k] && p[k] < hi[k],
                    "point {i} {p:?} outside the box lo={lo} hi={hi} tol={tol} ws={ws:?}"
                );
            }
        }
    }
    if nice && tol == 1e-6 {
        let (w, b) = &ws[0];
        if w.columns().into_iter().all(|c| c.iter().any(|&x| x != 0.0)) {
            let e = regions_in_box(w.view(), b.view(), lo.view(), hi.view(), &WindowOptions::default()).unwrap();
            assert_eq!(
                c.per_layer[0], e.regions,
                "first layer: network {} vs exact {}: w={w:?} b={b:?} hi={hi:?}",
                c.per_layer[0], e.regions
            );
        }
    }
});
