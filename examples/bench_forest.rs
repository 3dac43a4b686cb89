//! The fitted correction's trees: the plain walk (`estimate::ensemble`) against the QuickScorer layout
//! (`estimate::Forest`) that the estimator uses, on the correction features of a few configurations; then
//! what an estimate evaluates: the correction (`estimate::correction`: one stretch and the shift, each the shared
//! trees and its own group's) and the whole analytic estimate (`estimate::analytic`: the model, the correction
//! and the model again at the warped load; twice, with rule 27's cap, for a minibatch below `N`).
//!
//!     cargo run --release --example bench_forest
use _core::estimate::{
    analytic, correction, correction_features, ensemble, group_trees, Budget, Forest, FITTED_TABLES, PARAMS,
};
use _core::simulation::PointDist;
use std::hint::black_box;
use std::time::Instant;

fn best_of_5(reps: usize, mut f: impl FnMut() -> f64) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..5 {
        let t = Instant::now();
        let mut s = 0.0;
        for _ in 0..reps {
            s += f();
        }
        black_box(s);
        best = best.min(t.elapsed().as_secs_f64() / reps as f64);
    }
    best * 1e6
}

fn main() {
    let sgd = Budget { sgd: true, lr: 0.1, steps: 2000.0, batch: Some(64.0), cosine: true, restarts: 2.0 };
    // every configuration below has one hidden layer: each table's shared and two-layer trees
    let two_layer: Vec<Vec<u32>> = FITTED_TABLES.iter().map(|&(_, _, t, _)| group_trees(t, false)).collect();
    let forests: Vec<Forest> = FITTED_TABLES
        .iter()
        .zip(&two_layer)
        .map(|(&(b, n, _, nf), t)| Forest::new(b, n, t, nf).expect("tables fit"))
        .collect();
    println!("the correction's three ensembles (two stretches and a shift) as a network of one hidden layer reads them (160 shared trees and the 40 of its group; a call evaluates one stretch and the shift), each evaluated once, in us");
    for (name, proto) in [("reference", Budget::REFERENCE), ("sgd, minibatches", sgd)] {
        for (d, n, l) in [(2.0, 1000.0, 16.0), (10.0, 1000.0, 32.0), (50.0, 3000.0, 16.0)] {
            let a = analytic(d, n, &[l], PointDist::Uniform, &proto, &PARAMS);
            let x = correction_features(d, n, &[l], PointDist::Uniform, &proto, &a);
            let walk = best_of_5(100_000, || {
                FITTED_TABLES
                    .iter()
                    .zip(&two_layer)
                    .map(|(&(b, nodes, _, _), trees)| ensemble(b, nodes, trees, black_box(&x)))
                    .sum()
            });
            let quick = best_of_5(100_000, || forests.iter().map(|f| f.eval(black_box(&x))).sum());
            let corr = best_of_5(100_000, || {
                let (a, b) = correction(black_box(&x), &PARAMS);
                a + b
            });
            let whole =
                best_of_5(100_000, || analytic(black_box(d), n, &[l], PointDist::Uniform, &proto, &PARAMS).accuracy);
            println!(
                "{name:17} d={d:<3} N={n:<5} L={l:<3} walk {walk:5.2}  QuickScorer {quick:5.2}  ratio {:.2}  \
                 | correction {corr:5.2}  estimate {whole:5.2}",
                walk / quick
            );
        }
    }
}
