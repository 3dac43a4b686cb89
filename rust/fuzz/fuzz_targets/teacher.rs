#![no_main]
// teacher::teacher_sgd on the inputs train_teacher passes: recorded loss and error against a forward pass of the
// recorded weights, step 0 = W0, copies of a unit staying copies, alpha = 1 moving a group's units together, and
// the hard-step count against the recorded losses (full batch, every step recorded)
use _core::error::CoreError;
use _core::teacher::{teacher_sgd, TeacherConfig};
use libfuzzer_sys::fuzz_target;
use ndarray::{Array2, Axis};
#[path = "common.rs"]
mod common;
use common::R;

fuzz_target!(|data: &[u8]| {
    let mut r = R { b: data };
    let mode = r.u8();
    let nice = mode & 1 == 0;
    let d = 1 + (r.u8() % 3) as usize;
    let n = 1 + (r.u8() % 8) as usize;
    let l = 2 + (r.u8() % 5) as usize;
    let n_pos = l.div_ceil(2); // train_teacher's groups
    let steps = 1 + (r.u8() % 40) as usize;
    let batch = if mode & 2 != 0 { n } else { 1 + (r.u8() as usize % n) };
    let pos = |r: &mut R| {
        let v = r.f().abs();
        if v > 0.0 && v.is_finite() {
            v
        } else {
            0.5
        }
    };
    let (v, lr) = (pos(&mut r), pos(&mut r));
    let alpha = if mode & 4 != 0 { 1.0 } else { r.f().abs().min(1.0) };
    let loss_eps = r.finite().abs();
    let all = mode & 8 != 0;
    let mask = r.u64();
    let mut record_at: Vec<u64> =
        (0..=steps as u64).filter(|&t| all || t == 0 || t == steps as u64 || mask >> (t % 64) & 1 == 1).collect();
    if mode & 16 != 0 && !all {
        record_at.retain(|&t| t != 0);
    }
    let x = Array2::from_shape_fn((n, d), |_| if nice { r.small_int() / 4.0 } else { r.f() });
    let y: Vec<f64> = (0..n).map(|_| if r.u8() & 1 == 0 { 1.0 } else { -1.0 }).collect();
    let mut w0 = Array2::from_shape_fn((l, d), |_| if nice { r.small_int() / 8.0 } else { r.f() });
    let twins = mode & 32 != 0 && n_pos >= 2;
    if twins {
        let row = w0.row(0).to_owned();
        w0.row_mut(1).assign(&row);
        if l - n_pos >= 2 {
            let row = w0.row(l - 1).to_owned();
            w0.row_mut(l - 2).assign(&row);
        }
    }
    let cfg =
        TeacherConfig { n_pos, v, alpha, lr, steps, batch, record_at: record_at.clone(), seed: r.u64(), loss_eps };
    let rec = match teacher_sgd(x.view(), &y, w0.view(), &cfg) {
        Ok(t) => t,
        Err(CoreError::InvalidArgument(_)) | Err(CoreError::TooLarge(_)) | Err(CoreError::Numerical(_)) => return,
        Err(e) => panic!("unexpected {e:?}"),
    };
    let t_rec = record_at.len();
    assert_eq!(rec.steps, record_at);
    assert_eq!(rec.weights.dim(), (t_rec, l, d));
    assert!(rec.hard_steps.windows(2).all(|p| p[0] <= p[1]));
    for k in 0..t_rec {
        let w = rec.weights.index_axis(Axis(0), k);
        assert!(w.iter().all(|v| v.is_finite()), "step {}: non-finite weights with loss {}", rec.steps[k], rec.loss[k]);
        assert!(rec.hard_steps[k] <= rec.steps[k] && rec.loss[k] >= 0.0);
        if k > 0 {
            assert!(rec.hard_steps[k] - rec.hard_steps[k - 1] <= rec.steps[k] - rec.steps[k - 1]);
        }
        if rec.steps[k] == 0 {
            assert_eq!(w, w0, "step 0 is not W0");
        }
        // loss and error of the recorded weights, by a forward pass of their own
        let (mut loss, mut wrong) = (0.0f64, 0usize);
        for j in 0..n {
            let mut out = 0.0;
            for i in 0..l {
                let u: f64 = (0..d).map(|c| w[[i, c]] * x[[j, c]]).sum();
                out += if i < n_pos { v } else { -v } * if u > 0.0 { u } else { alpha * u };
            }
            let m = y[j] * out;
            loss += if m >= 0.0 { (-m).exp().ln_1p() } else { -m + m.exp().ln_1p() };
            wrong += (m <= 0.0) as usize;
        }
        loss /= n as f64;
        assert_eq!(rec.error[k], wrong as f64 / n as f64, "error at step {}", rec.steps[k]);
        assert!((rec.loss[k] - loss).abs() <= 1e-12 * (1.0 + loss), "loss {} vs {loss}", rec.loss[k]);
        if twins {
            assert_eq!(w.row(0), w.row(1), "copies of a unit parted");
            if l - n_pos >= 2 {
                assert_eq!(w.row(l - 1), w.row(l - 2), "copies of a unit parted");
            }
        }
        if alpha == 1.0 && k > 0 {
            // a linear network: every unit of a group gets the same update
            // rounding is relative to the largest weight on the way, at most |W0| + steps lr v max|x| (|dloss/dN| <= 1;
            // lr max|x| first, so that x = 0 gives 0, not inf x 0)
            let w_first = rec.weights.index_axis(Axis(0), 0);
            let xmax = x.iter().fold(0.0f64, |a, b| a.max(b.abs()));
            let big = w0.iter().fold(1.0f64, |a, b| a.max(b.abs())) + (lr * xmax) * v * steps as f64;
            for (a, b) in [(0, n_pos - 1), (n_pos, l - 1)] {
                for c in 0..d {
                    let drift = (w[[a, c]] - w[[b, c]]) - (w_first[[a, c]] - w_first[[b, c]]);
                    assert!(drift.abs() <= 1e-12 * big * steps as f64, "group drift {drift}");
                }
            }
        }
    }
    if all && batch == n {
        // full batch: step t counts as hard iff the loss at step t - 1 reached loss_eps
        for t in 1..t_rec {
            let h = (rec.loss[t - 1] >= loss_eps) as u64;
            assert_eq!(rec.hard_steps[t] - rec.hard_steps[t - 1], h, "hard step {t}");
        }
    }
});
