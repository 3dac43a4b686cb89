#![no_main]
use _core::error::CoreError;
use _core::training::{train_run, train_stream, Activation, Kernel, Loss, Optimizer, Schedule, TrainConfig};
use libfuzzer_sys::fuzz_target;
use ndarray::Array2;
#[path = "common.rs"]
mod common;
use common::R;

fuzz_target!(|data: &[u8]| {
    let mut r = R { b: data };
    let mode = r.u8();
    let n = 1 + (r.u8() % 24) as usize;
    let d = 1 + (r.u8() % 3) as usize;
    let depth = 1 + (mode & 1) as usize;
    let hidden: Vec<usize> = (0..depth).map(|_| 1 + (r.u8() % 6) as usize).collect();
    let x = Array2::from_shape_fn((n, d), |_| r.f() as f32);
    let y: Vec<u8> = (0..n).map(|_| r.u8() & 1).collect();
    let activation = match r.u8() % 4 {
        0 => Activation::Relu,
        1 => Activation::LeakyRelu(r.f() as f32),
        2 => Activation::Sigmoid,
        _ => Activation::Tanh,
    };
    let optimizer = if mode & 2 == 0 {
        Optimizer::Adam { beta1: r.f().abs().min(0.999), beta2: r.f().abs().min(0.9999), eps: r.f().abs() }
    } else {
        Optimizer::Sgd { momentum: r.f().abs().min(0.99) }
    };
    let lr = r.f().abs();
    let schedule =
        if mode & 4 == 0 { Schedule::Constant } else { Schedule::Cosine { lr_min: lr * (r.u8() as f64 / 255.0) } };
    let cfg = TrainConfig {
        hidden,
        activation,
        loss: if mode & 8 == 0 { Loss::Bce } else { Loss::Hinge },
        optimizer,
        lr,
        schedule,
        steps: 1 + (r.u8() % 40) as usize,
        batch_size: if mode & 16 == 0 { None } else { Some(1 + (r.u8() % 30) as usize) },
        fixed_output: if mode & 32 == 0 { None } else { Some(r.f() as f32) },
        record_every: 1 + (r.u8() % 7) as usize,
        stop_at_perfect: mode & 64 != 0,
        kernel: match r.u8() % 3 {
            0 => Kernel::Auto,
            1 => Kernel::Fused,
            _ => Kernel::Gemm,
        },
    };
    let mut rng = train_stream(r.u64(), 0, 0);
    let res = match train_run(x.view(), &y, &cfg, &mut rng) {
        Ok(res) => res,
        Err(CoreError::InvalidArgument(_)) | Err(CoreError::TooLarge(_)) | Err(CoreError::Numerical(_)) => return,
        Err(e) => panic!("unexpected {e:?}"),
    };
    for a in [res.best_accuracy, res.final_accuracy] {
        assert!((0.0..=1.0).contains(&a), "accuracy {a}: {cfg:?}");
    }
    for &a in &res.accuracy_history {
        assert!((0.0..=1.0).contains(&a), "accuracy history {a}: {cfg:?}");
    }
    assert_eq!(res.history_steps.len(), res.loss_history.len());
    assert!(res.best_step <= cfg.steps);
    if res.diverged_at.is_none() {
        for &l in &res.loss_history {
            assert!(!l.is_nan(), "NaN loss without divergence: {cfg:?} x={x:?}");
        }
    }
});
